import {
  compileProgram,
  lossProgram,
  OnnxBackend,
  OnnxOptimizer,
  regularizerProgram,
} from '../../../adapters/onnx/src/index.ts';
// conformance/src/core.ts does not re-export the backend switch; this is the same module it wraps.
import { getBackend, parseOptimizerConfig, setBackend } from '../../../packages/core/src/index.ts';
import type { ConformanceAdapter } from '../adapter.ts';
import { optimizerFromConfig, scheduleFromConfig, simulateZooKeeper, Tensor } from '../core.ts';
import type { HostTensor } from '../host-tensor.ts';
import { settle } from '../settle.ts';

/**
 * Reptile lowered to ONNX and run by onnxruntime-node. Optimizer cases run the compiled
 * optimizer-step graph (one session.run per step, step and lr fed as inputs, exactly what an
 * exported artifact does); loss and regularizer cases run the exported loss/regularizer graphs.
 * Schedules are host functions in every frontend (the ONNX graphs take the scheduled lr as an
 * input), and ZooKeeper's replica exchange runs eagerly with the OnnxBackend evaluating each step.
 */
export function createOnnxAdapter(): ConformanceAdapter {
  const backend = new OnnxBackend();
  return {
    name: 'onnx',
    async optimizer(config, params, grads) {
      if (parseOptimizerConfig(config, 'optimizer').name === 'zookeeper') {
        // single-replica ZooKeeper has no traceable transform: run core's optimizer eagerly on ONNX
        return onBackend(backend, () => {
          const opt = optimizerFromConfig(config, 'optimizer');
          let ps = params.map(toTensor);
          let state = opt.init(ps);
          return grads.map((g) => {
            ({ params: ps, state } = settle(opt.step(ps, g.map(toTensor), state)));
            return ps.map(toHost);
          });
        });
      }
      const specs = params.map((p, i) => ({ name: `p${i}`, shape: p.shape, dtype: p.dtype }));
      const opt = new OnnxOptimizer(config, specs);
      try {
        let values = params.map((p) => p.data);
        let state = opt.init(values);
        const trajectory: HostTensor[][] = [];
        for (const step of grads) {
          ({ params: values, state } = opt.step(
            values,
            step.map((g) => g.data),
            state,
          ));
          trajectory.push(
            values.map((v, i) => ({ shape: params[i]!.shape, dtype: params[i]!.dtype, data: v })),
          );
        }
        return trajectory;
      } finally {
        opt.release();
      }
    },
    async loss(config, yTrue, yPred) {
      const program = lossProgram(config, yTrue, yPred);
      const compiled = compileProgram(program);
      try {
        const [value, g] = compiled.runSync([yTrue.data, yPred.data]);
        const v = program.outputs[0]!.node;
        return {
          value: { shape: v.shape, dtype: v.dtype, data: value! },
          gradYPred: { shape: yPred.shape, dtype: yPred.dtype, data: g! },
        };
      } finally {
        compiled.release();
      }
    },
    async regularizer(config, weights) {
      const program = regularizerProgram(config, weights);
      const compiled = compileProgram(program);
      try {
        const [value, g] = compiled.runSync([weights.data]);
        const v = program.outputs[0]!.node;
        return {
          value: { shape: v.shape, dtype: v.dtype, data: value! },
          grad: { shape: weights.shape, dtype: weights.dtype, data: g! },
        };
      } finally {
        compiled.release();
      }
    },
    async schedule(config, steps) {
      const schedule = scheduleFromConfig(config, 'schedule');
      return steps.map((s) => schedule(s));
    },
    async zookeeper(config, workers, params, grads) {
      return onBackend(backend, () => {
        const sim = simulateZooKeeper(config, workers);
        const start = params.map(toTensor);
        let replicas = Array.from({ length: workers }, () => [...start]);
        let state = sim.init(start);
        const trajectory: HostTensor[][][] = [];
        for (const step of grads) {
          ({ replicas, state } = settle(
            sim.step(
              replicas,
              step.map((w) => w.map(toTensor)),
              state,
            ),
          ));
          trajectory.push(replicas.map((r) => r.map(toHost)));
        }
        return trajectory;
      });
    },
  };
}

/** settle() realises on the current backend; swap ONNX in for one synchronous block only. */
function onBackend<T>(backend: OnnxBackend, fn: () => T): T {
  const previous = getBackend();
  setBackend(backend);
  try {
    return fn();
  } finally {
    setBackend(previous);
  }
}

function toTensor(t: HostTensor): Tensor {
  return Tensor.fromData(t.data, t.shape, t.dtype);
}

function toHost(t: Tensor): HostTensor {
  return { shape: [...t.shape], dtype: t.dtype, data: t.data().slice() };
}
