"""PyTorch peer of the trainlab step benchmark (bench/peer-bench.ts).

Runs as a long-lived child process so that the Node side can alternate
engines round by round without paying for `import torch` each time. The
protocol is one JSON object per line on stdin and stdout:

  startup  -> {"ok": true, "torch": "1.13.0a0", "python": "3.11.2", "blas": true}
              or {"ok": false, "notInstalled": true, "error": "..."} and exit
  {"op": "build", "id": ..., "inputs": ..., "hidden": [...], "outputs": ...,
   "activation": "relu" | "rrelu" | "selu", "batchNorm": "none" | "after",
   "loss": "sparse_categorical_crossentropy" | "mse", "batch": ...}
           -> {"ok": true}
  {"op": "run", "id": ..., "torchThreads": t, "blasThreads": b,
   "warmup": w, "steps": s}
           -> {"ok": true, "times": [ms per timed step, ...]}
  {"op": "quit"} -> exit

A failed request gets {"ok": false, "error": "..."}.

A step is what trainlab's trainOnBatch does: forward, loss, backward and a
plain SGD update (learning rate 0.01), here with zero_grad(set_to_none=True).
"""

import ctypes
import json
import platform
import sys
import time

try:
    import torch
    from torch import nn
except ImportError as err:  # torch missing: the Node side reports "not installed"
    print(json.dumps({"ok": False, "notInstalled": True, "error": str(err)}), flush=True)
    sys.exit(0)


def load_openblas():
    """Return the OpenBLAS library that torch's BLAS calls go to, or None.

    Debian's torch links libopenblas.so.0, and dlopen of the same soname
    returns the already loaded copy, so its thread setting applies to torch.
    torch.set_num_threads sets only the OpenMP (ATen) threads.
    """
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_set_num_threads.argtypes = [ctypes.c_int]
        lib.openblas_get_num_threads.restype = ctypes.c_int
        return lib
    except (OSError, AttributeError):
        return None


OPENBLAS = load_openblas()

# Keras defaults as PyTorch arguments: Keras momentum 0.99 weighs the old
# moving statistics, which is PyTorch momentum 0.01.
BATCH_NORM_EPSILON = 1e-3
BATCH_NORM_MOMENTUM = 0.01


def activation_module(name):
    if name == "relu":
        return nn.ReLU()
    if name == "rrelu":
        return nn.RReLU(lower=1 / 8, upper=1 / 3)
    if name == "selu":
        return nn.SELU()
    raise ValueError(f"unknown activation {name!r}")


def build_model(spec):
    """Build the spec's Sequential: Linear + activation (+ BatchNorm1d) per hidden layer."""
    layers = []
    width = spec["inputs"]
    for units in spec["hidden"]:
        linear = nn.Linear(width, units)
        nn.init.xavier_uniform_(linear.weight)
        nn.init.zeros_(linear.bias)
        layers += [linear, activation_module(spec["activation"])]
        if spec["batchNorm"] == "after":
            layers.append(nn.BatchNorm1d(units, eps=BATCH_NORM_EPSILON, momentum=BATCH_NORM_MOMENTUM))
        width = units
    output = nn.Linear(width, spec["outputs"])
    nn.init.xavier_uniform_(output.weight)
    nn.init.zeros_(output.bias)
    layers.append(output)
    return nn.Sequential(*layers)


class StepBench:
    """One model, its SGD optimizer and a synthetic batch of the spec's shapes."""

    def __init__(self, spec):
        generator = torch.Generator().manual_seed(7)
        batch = spec["batch"]
        self.model = build_model(spec).train()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.01)
        if spec["loss"] == "mse":
            self.x = torch.randn(batch, spec["inputs"], generator=generator)
            self.y = 1 + torch.randn(batch, spec["outputs"], generator=generator)
            self.loss = nn.MSELoss()
        else:
            self.x = torch.rand(batch, spec["inputs"], generator=generator)
            self.y = torch.randint(0, spec["outputs"], (batch,), generator=generator)
            self.loss = nn.CrossEntropyLoss()

    def step(self):
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss(self.model(self.x), self.y)
        loss.backward()
        self.optimizer.step()

    def run(self, warmup, steps):
        for _ in range(warmup):
            self.step()
        times = []
        for _ in range(steps):
            start = time.perf_counter()
            self.step()
            times.append((time.perf_counter() - start) * 1000.0)
        return times


def set_threads(torch_threads, blas_threads):
    torch.set_num_threads(torch_threads)
    if OPENBLAS is not None:
        OPENBLAS.openblas_set_num_threads(blas_threads)


def main():
    print(
        json.dumps(
            {
                "ok": True,
                "torch": torch.__version__,
                "python": platform.python_version(),
                "blas": OPENBLAS is not None,
            }
        ),
        flush=True,
    )
    benches = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            op = request["op"]
            if op == "quit":
                break
            if op == "build":
                benches[request["id"]] = StepBench(request)
                reply = {"ok": True}
            elif op == "run":
                set_threads(request["torchThreads"], request["blasThreads"])
                times = benches[request["id"]].run(request["warmup"], request["steps"])
                reply = {"ok": True, "times": times}
            else:
                reply = {"ok": False, "error": f"unknown op {op!r}"}
        except Exception as err:  # reported to the Node side, which stops the benchmark
            reply = {"ok": False, "error": f"{type(err).__name__}: {err}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
