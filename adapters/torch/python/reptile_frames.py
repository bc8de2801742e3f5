"""Framing for the Reptile worker (see reptile_worker.py): length-prefixed frames of a JSON
header plus raw little-endian tensor bytes, and the process plumbing around stdin/stdout."""

import json
import os
import struct
import sys

DTYPES = {}  # filled after torch is imported: reptile dtype name -> torch dtype
ITEM = {"float32": 4, "float64": 8, "int32": 4, "bool": 1}


class RequestError(Exception):
    """An error in the request (bad names, shapes, dtypes): reported, the worker keeps going."""


def die_with_parent():
    # Linux: ask the kernel to SIGKILL us when the parent exits, even if it is SIGKILLed itself.
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
            if os.getppid() == 1:  # parent already gone before prctl took effect
                os._exit(0)
        except OSError:
            pass


def widen_pipes():
    """Node's stdio 'pipes' are Unix socket pairs (pipes elsewhere); larger kernel buffers cut
    the round trips per 64 MiB tensor. Best effort: limits may cap or refuse the request."""
    import socket
    import stat

    for fd, option in ((0, socket.SO_RCVBUF), (1, socket.SO_SNDBUF)):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                s = socket.socket(fileno=os.dup(fd))
                s.setsockopt(socket.SOL_SOCKET, option, 4 << 20)
                os.close(s.detach())
            elif sys.platform.startswith("linux"):
                import fcntl

                fcntl.fcntl(fd, 1031, 1 << 20)  # F_SETPIPE_SZ
        except OSError:
            pass


class Channel:
    def __init__(self):
        self.inp = sys.stdin.buffer
        # Frames go to the real stdout; stray prints (from user code or libraries) go to stderr.
        self.out = os.fdopen(os.dup(1), "wb", buffering=0)
        sys.stdout = sys.stderr

    def read_exact(self, n):
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = self.inp.readinto(view[got:])
            if not k:
                return None
            got += k
        return buf

    def receive(self):
        head = self.read_exact(4)
        if head is None:
            return None
        (length,) = struct.unpack("<I", head)
        frame = self.read_exact(length)
        if frame is None:
            return None
        (hlen,) = struct.unpack_from("<I", frame, 0)
        header = json.loads(bytes(frame[4 : 4 + hlen]).decode("utf-8"))
        base = align8(4 + hlen)
        return header, frame, base

    def write(self, data):
        # a raw write may be partial (signals, socket buffers): loop until everything is out
        view = memoryview(data).cast("B")
        while len(view):
            n = self.out.write(view)
            view = view[n:]

    def send(self, header, tensors=()):
        """header: JSON-able dict; tensors: list of torch tensors, described into header['tensors']."""
        metas, offset = [], 0
        for t in tensors:
            nbytes = t.numel() * t.element_size()
            metas.append({"dtype": dtype_name(t), "shape": list(t.shape), "offset": offset, "bytes": nbytes})
            offset = align8(offset + nbytes)
        header = dict(header, tensors=metas)
        hbytes = json.dumps(header, allow_nan=True).encode("utf-8")
        base = align8(4 + len(hbytes))
        head = bytearray(4 + base)
        struct.pack_into("<II", head, 0, base + offset, len(hbytes))
        head[8 : 8 + len(hbytes)] = hbytes
        views = [raw_bytes(t) for t in tensors]
        if views and any(v is None for v in views):
            # no numpy: copy every tensor into one buffer through torch.frombuffer
            import torch

            body = bytearray(offset)
            for t, m in zip(tensors, metas):
                if m["bytes"]:
                    dst = torch.frombuffer(body, dtype=t.dtype, count=t.numel(), offset=m["offset"])
                    dst.copy_(t.reshape(-1))
            self.write(head)
            self.write(body)
            return
        self.write(head)
        for v, m in zip(views, metas):
            if m["bytes"]:
                self.write(v)
            pad = align8(m["bytes"]) - m["bytes"]
            if pad:
                self.write(b"\0" * pad)


def raw_bytes(t):
    """The tensor's bytes without a copy (via numpy), or None without numpy."""
    if os.environ.get("REPTILE_NO_NUMPY") == "1":  # tests exercise the fallback with this
        return None
    try:
        import numpy  # noqa: F401
    except ImportError:
        return None
    return memoryview(t.detach().contiguous().reshape(-1).numpy()).cast("B")


def align8(n):
    return (n + 7) & ~7


def dtype_name(t):
    for name, dt in DTYPES.items():
        if t.dtype == dt:
            return name
    raise RequestError(f"tensor dtype {t.dtype} has no Reptile equivalent (float32, float64, int32, bool)")


def decode_tensor(meta, frame, base, where):
    import torch

    dtype = meta.get("dtype")
    if dtype == "bytes":
        return bytes(frame[base + meta["offset"] : base + meta["offset"] + meta["bytes"]])
    if dtype not in DTYPES:
        raise RequestError(f"{where}: unknown dtype {dtype!r}")
    shape = [int(d) for d in meta["shape"]]
    count = 1
    for d in shape:
        count *= d
    if meta["bytes"] != count * ITEM[dtype]:
        raise RequestError(f"{where}: {meta['bytes']} bytes do not hold {dtype}{shape}")
    if count == 0:
        return torch.empty(shape, dtype=DTYPES[dtype])
    flat = torch.frombuffer(frame, dtype=DTYPES[dtype], count=count, offset=base + meta["offset"])
    return flat.reshape(shape)


