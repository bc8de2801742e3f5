import { writeTorchScriptArchive } from '../archive/archive.ts';
import type { Graph } from '../core.ts';
import { type LowerOptions, lowerModule } from '../lower/lower.ts';
import type { TorchScriptModule } from '../lower/module.ts';

/**
 * What Reptile exports for PyTorch: one scripted module. `forward` is the artifact's computation
 * (an optimizer step, a loss and its gradient, ...); optional extra methods (`init_state`) help a
 * PyTorch user drive it. Graph input/output names follow the ONNX adapter's, so one recipe has
 * the same signature on both frontends.
 */
export interface Artifact {
  readonly kind: 'optimizer_step' | 'loss' | 'regularizer' | 'train_step';
  /** Class name of the module, e.g. 'AdamStep'. */
  readonly className: string;
  readonly methods: readonly ArtifactMethod[];
  /** Stored in extra/reptile.json (configs, parameter and state names). */
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface ArtifactMethod {
  readonly name: string;
  readonly graph: Graph;
  /** [output, input] pairs that may share storage (params and state of a step). */
  readonly updates?: readonly (readonly [string, string])[];
}

export interface ExportOptions extends Omit<LowerOptions, 'donate' | 'className'> {
  /**
   * Update params and state in place (default false): the step writes new values into the
   * tensors it was given and returns them, allocating nothing — what an optimizer normally
   * does, and what the bridge uses for tensors held in the worker.
   */
  readonly inPlace?: boolean;
}

export function lowerArtifact(artifact: Artifact, options: ExportOptions = {}): TorchScriptModule {
  const { inPlace, ...lower } = options;
  return lowerModule(
    artifact.methods.map((m) => ({
      name: m.name,
      graph: m.graph,
      ...(inPlace && m.updates ? { donate: m.updates } : {}),
    })),
    { ...lower, className: artifact.className },
  );
}

/** The `.pt` bytes of an artifact: load them with `torch.jit.load` (no Python needed to write). */
export function exportArtifact(artifact: Artifact, options: ExportOptions = {}): Uint8Array {
  return writeTorchScriptArchive(lowerArtifact(artifact, options), {
    metadata: {
      kind: artifact.kind,
      inPlace: options.inPlace ?? false,
      ...artifact.metadata,
      methods: lowerArtifact(artifact, options).methods,
    },
  });
}

/** An identifier-safe, capitalised form of a config name ('adamw' → 'Adamw'). */
export function classNameFor(name: string, suffix: string): string {
  const base = name.replace(/[^A-Za-z0-9]/g, '');
  return `${base.charAt(0).toUpperCase()}${base.slice(1)}${suffix}`;
}
