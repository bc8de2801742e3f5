"""Reptile's PyTorch worker: runs TorchScript artifacts for a Node process over stdin/stdout.

Started on demand by @reptile/torch (src/bridge/). Frames in both directions are

    u32 length (of everything after it) | u32 header length | header (UTF-8 JSON)
    | zero padding to a multiple of 8 | blobs (each at an 8-aligned offset given in the header)

all little-endian. Tensors travel as raw bytes in blobs, described in the header by dtype and
shape; JSON carries only metadata. The worker answers one request at a time, in order.
Tensors can be held worker-side by name so parameters and optimizer state stay here between
calls. It exits when stdin closes or its parent dies, so it never outlives the Node process.
"""

import io
import json
import os
import sys
import time
import traceback

from reptile_frames import DTYPES, Channel, RequestError, decode_tensor, die_with_parent, dtype_name, widen_pipes

PROTOCOL = 1


class Worker:
    def __init__(self, channel):
        self.channel = channel
        self.artifacts = {}  # name -> (module, signature)
        self.held = {}  # name -> tensor
        self.peers = None

    def handle(self, header, frame, base):
        op = header.get("op")
        blobs = [decode_tensor(m, frame, base, f"tensor {i}") for i, m in enumerate(header.get("tensors", []))]
        fn = getattr(self, "op_" + str(op).replace(".", "_"), None)
        if fn is None:
            raise RequestError(f"unknown operation {op!r}")
        return fn(header, blobs)

    # ---- basics -------------------------------------------------------------------------------
    def op_ping(self, h, blobs):
        return {"pong": True, "time": time.time()}, []

    def op_echo(self, h, blobs):
        return {}, blobs

    def op_shutdown(self, h, blobs):
        raise SystemExit(0)

    # ---- held tensors -------------------------------------------------------------------------
    def op_put(self, h, blobs):
        names = h["names"]
        if len(names) != len(blobs):
            raise RequestError(f"put: {len(names)} names for {len(blobs)} tensors")
        for name, t in zip(names, blobs):
            # no copy: the tensor keeps its frame's buffer (owned by nothing else) alive
            self.held[name] = t
        return {}, []

    def op_get(self, h, blobs):
        return {}, [self.lookup(n) for n in h["names"]]

    def op_drop(self, h, blobs):
        for n in h["names"]:
            self.held.pop(n, None)
        return {}, []

    def op_list(self, h, blobs):
        return {"held": {n: {"dtype": dtype_name(t), "shape": list(t.shape)} for n, t in self.held.items()}}, []

    def lookup(self, name):
        t = self.held.get(name)
        if t is None:
            raise RequestError(f"no tensor named {name!r} is held in the worker")
        return t

    # ---- artifacts ----------------------------------------------------------------------------
    def op_load(self, h, blobs):
        import torch

        name = h["name"]
        raw = blobs[0]
        if not isinstance(raw, bytes):
            raise RequestError("load: the archive must be sent as a 'bytes' blob")
        files = {"reptile.json": ""}
        try:
            module = torch.jit.load(io.BytesIO(raw), map_location="cpu", _extra_files=files)
        except Exception as e:  # torch raises RuntimeError with a long C++ trace; keep the gist
            raise RequestError(f"torch.jit.load could not read artifact {name!r}: {first_line(e)}") from e
        meta = json.loads(files["reptile.json"] or "{}")
        signature = meta.get("signature")
        if signature is None:
            raise RequestError(f"artifact {name!r} has no extra/reptile.json signature; was it written by Reptile?")
        methods = meta.get("methods") or {"forward": signature}
        if hasattr(module, "reptile_tasks"):  # chunked regions: one task per intra-op thread
            module.reptile_tasks = torch.get_num_threads()
        self.artifacts[name] = (module, methods)
        return {"signature": signature, "methods": methods}, []

    def op_unload(self, h, blobs):
        self.artifacts.pop(h["name"], None)
        return {}, []

    def op_run(self, h, blobs):
        import torch

        name = h["artifact"]
        if name not in self.artifacts:
            raise RequestError(f"no artifact named {name!r} is loaded")
        module, methods = self.artifacts[name]
        method = h.get("method", "forward")
        if method not in methods:
            raise RequestError(f"artifact {name!r} has no method {method!r} (it has {', '.join(methods)})")
        sig = methods[method]
        fn = module if method == "forward" else getattr(module, method)
        refs = h["inputs"]
        if len(refs) != len(sig["inputs"]):
            raise RequestError(f"{name}: takes {len(sig['inputs'])} inputs, got {len(refs)}")
        args = []
        for ref, spec in zip(refs, sig["inputs"]):
            t = self.lookup(ref["held"]) if "held" in ref else blobs[ref["tensor"]]
            if isinstance(t, bytes):
                raise RequestError(f"{name}: input {spec['name']!r} was sent as bytes, not a tensor")
            check(t, spec, f"{name}: input {spec['name']!r}")
            args.append(t)
        for i, spec in enumerate(sig["inputs"]):
            if spec.get("donatedTo") is not None and any(args[i] is a for j, a in enumerate(args) if j != i):
                raise RequestError(f"{name}: input {spec['name']!r} is updated in place, so it cannot also be passed as another input")
        t0 = time.perf_counter()
        with torch.no_grad():
            outs = fn(*args)
        elapsed = (time.perf_counter() - t0) * 1000
        store = h.get("store") or [None] * len(outs)
        ret = h.get("return")
        ret = [True] * len(outs) if ret is None else ret
        # commit all stores only after the whole call succeeded: nothing is left half-updated
        for key, t in zip(store, outs):
            if key is not None:
                self.held[key] = t
        return {"elapsedMs": elapsed}, [t for t, r in zip(outs, ret) if r]

    def op_module_forward(self, h, blobs):
        """Runs any TorchScript file's forward on the given tensors, as stock PyTorch would.

        Unlike `load`/`run` (Reptile artifacts with a signature checked on every call), this takes
        a module from disk as its user would: `torch.jit.load(path)(*inputs)`. `reptile convert
        --verify` uses it to compare a converted .pt file with its source.
        """
        import torch

        path = h["path"]
        try:
            module = torch.jit.load(path, map_location="cpu")
        except Exception as e:
            raise RequestError(f"torch.jit.load could not read {path!r}: {first_line(e)}") from e
        module.eval()
        with torch.no_grad():
            out = module(*blobs)
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        for i, o in enumerate(outs):
            if not isinstance(o, torch.Tensor):
                raise RequestError(f"{path}: output {i} is a {type(o).__name__}, not a tensor")
        return {"outputs": len(outs)}, [o.contiguous() for o in outs]

    # ---- PyTorch peers (torch.optim, torch.nn.functional) -----------------------------------
    def peer(self):
        if self.peers is None:
            import reptile_peers

            self.peers = reptile_peers
        return self.peers

    def op_peer_optimizer(self, h, blobs):
        return self.peer().optimizer_trajectory(h, blobs)

    def op_peer_loss(self, h, blobs):
        return self.peer().loss_value_and_grad(h, blobs)

    def op_peer_schedule(self, h, blobs):
        return self.peer().schedule_values(h, blobs)

    def op_peer_create(self, h, blobs):
        return self.peer().create_optimizer(self, h)

    def op_peer_step(self, h, blobs):
        return self.peer().step_optimizer(self, h)

    def op_peer_release(self, h, blobs):
        return self.peer().release_optimizer(self, h)

    # ---- test hooks (used by the adapter's own tests) -----------------------------------------
    def op__test_sleep(self, h, blobs):
        time.sleep(float(h["seconds"]))
        return {}, []

    def op__test_crash(self, h, blobs):
        sys.stderr.write(h.get("message", "crashing on request") + "\n")
        sys.stderr.flush()
        os._exit(int(h.get("code", 3)))


def check(t, spec, where):
    want = spec["dtype"]
    if t.dtype != DTYPES[want] or list(t.shape) != list(spec["shape"]):
        got = dtype_name(t) if t.dtype in DTYPES.values() else str(t.dtype)
        raise RequestError(f"{where} must be {want}{spec['shape']}, got {got}{list(t.shape)}")


def first_line(e):
    text = str(e).strip()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if "Error" in ln or "error" in ln:
            return ln.strip()
    return lines[-1].strip() if lines else type(e).__name__


def main():
    die_with_parent()
    widen_pipes()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    channel = Channel()
    try:
        import torch
    except ImportError as e:
        missing = e.name == "torch" or (e.name is None and "'torch'" in str(e))
        kind = "MissingTorch" if missing else "BrokenTorch"
        channel.send({"op": "hello", "ok": False, "error": {"type": kind, "message": str(e)}})
        return 3
    DTYPES.update(float32=torch.float32, float64=torch.float64, int32=torch.int32, bool=torch.bool)
    threads = os.environ.get("REPTILE_TORCH_THREADS")
    if threads:
        torch.set_num_threads(int(threads))
    # The profiling executor's optimisation passes cost ~25 ms on each module's first two calls
    # (seconds for a chunked 10M-parameter step) and find little to improve in generated code,
    # which is already CSE'd and has no CPU fuser to feed in stock wheels. Off unless asked for.
    if os.environ.get("REPTILE_TORCH_OPTIMIZE", "0") != "1":
        try:
            torch._C._set_graph_executor_optimize(False)
        except AttributeError:
            pass
    info = {
        "protocol": PROTOCOL,
        "pid": os.getpid(),
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    channel.send({"op": "hello", "ok": True, "result": info})
    worker = Worker(channel)
    while True:
        msg = channel.receive()
        if msg is None:
            return 0  # stdin closed: the Node process is gone or closed us
        header, frame, base = msg
        rid = header.get("id")
        try:
            result, tensors = worker.handle(header, frame, base)
            del frame, msg
            channel.send({"id": rid, "ok": True, "result": result}, tensors)
        except SystemExit:
            channel.send({"id": rid, "ok": True, "result": {}})
            return 0
        except RequestError as e:
            channel.send({"id": rid, "ok": False, "error": {"type": "RequestError", "message": str(e)}})
        except Exception as e:  # a failing artifact or peer: report, keep serving
            channel.send(
                {
                    "id": rid,
                    "ok": False,
                    "error": {"type": type(e).__name__, "message": first_line(e), "detail": traceback.format_exc()},
                }
            )


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: leave quietly
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
