#!/usr/bin/python3
"""The PyTorch peer of `sensorodl bench finetune` (run by `sensorodl bench finetune --compare-torch`).

It fine-tunes the very base and data the C# bench used, which that bench writes to a directory:
  settings.json  epochs, rank, batch, lr, seed, repeats, methods
  tensors.bin    "SODLTNS1", int32 count, then per tensor: int32 name length, UTF-8 name,
                 int32 rank, int32 dims…, float32 values (all little-endian)
                 train.x [n, 784], train.y [n], test.x [m, 784], test.y [m],
                 and per weighted layer i of LeNet-5: layer{i}.weight, layer{i}.bias
                 (conv weights [out, in·k·k], dense weights [out, in], as the C# layers keep them)

Same protocol as the C# bench: LeNet-5 frozen, Adam (betas 0.9/0.999, eps 1e-8), mean softmax
cross-entropy, a fresh shuffle per epoch, adapters A ~ U(±1/√fan-in), B = 0; one thread; the fastest
of `repeats` cold starts, timing the fit only (wall clock, and the process's CPU time, which other load
inflates less). Skip2-LoRA caches, per sample, the frozen base's layer
inputs x_2..x_L and its output h_L in float32 the first time the sample is seen (epoch 1) and reads
them back in every later epoch, as the Skip2-LoRA paper does.

Prints one JSON object: torch version, threads, the base's accuracy and per method seconds, CPU seconds
and accuracy.
`--describe DIR` only reads tensors.bin (no torch needed) and prints each tensor's shape and sum:
the export format's round-trip test uses it.
"""
import json
import math
import struct
import sys
import time
from array import array

MAGIC = b"SODLTNS1"


def read_tensors(path):
    """name -> (shape, array('f')) from a tensors.bin file."""
    tensors = {}
    with open(path, "rb") as f:
        if f.read(8) != MAGIC:
            raise ValueError(f"{path} is not a SensorOdl tensor file")
        (count,) = struct.unpack("<i", f.read(4))
        for _ in range(count):
            (length,) = struct.unpack("<i", f.read(4))
            name = f.read(length).decode("utf-8")
            (rank,) = struct.unpack("<i", f.read(4))
            shape = list(struct.unpack(f"<{rank}i", f.read(4 * rank)))
            size = math.prod(shape)
            values = array("f")
            values.frombytes(f.read(4 * size))
            if len(values) != size:
                raise ValueError(f"{path}: tensor {name} is truncated")
            if sys.byteorder != "little":
                values.byteswap()
            tensors[name] = (shape, values)
    return tensors


def describe(directory):
    tensors = read_tensors(f"{directory}/tensors.bin")
    print(json.dumps({name: {"shape": shape, "sum": math.fsum(values)} for name, (shape, values) in tensors.items()}))


def main(directory):
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        print("PyTorch is not installed for /usr/bin/python3 (apt-get install python3-torch)", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    with open(f"{directory}/settings.json") as f:
        settings = json.load(f)
    raw = read_tensors(f"{directory}/tensors.bin")

    def tensor(name):
        shape, values = raw[name]
        return torch.frombuffer(bytearray(values.tobytes()), dtype=torch.float32).reshape(shape)

    train_x, train_y = tensor("train.x").reshape(-1, 1, 28, 28), tensor("train.y").long()
    test_x, test_y = tensor("test.x").reshape(-1, 1, 28, 28), tensor("test.y").long()

    # LeNet-5 exactly as NetworkFactory.LeNet5: conv 1→6 (5×5, pad 2) · ReLU · pool 2 · conv 6→16 (5×5) · ReLU ·
    # pool 2 · flatten · 400→120 · ReLU · 120→84 · ReLU · 84→10. The weighted layers are numbered 0..4 here;
    # layer{i} in the file is the i-th layer of the C# network (0, 3, 7, 9, 11).
    layer_ids = [0, 3, 7, 9, 11]
    weights = [tensor(f"layer{i}.weight") for i in layer_ids]
    biases = [tensor(f"layer{i}.bias") for i in layer_ids]
    conv_shapes = [(6, 1, 5, 5), (16, 6, 5, 5)]
    base_w = [weights[0].reshape(conv_shapes[0]), weights[1].reshape(conv_shapes[1])] + weights[2:]
    paddings = [2, 0]
    input_sizes = [784, 6 * 14 * 14, 400, 120, 84]   # each weighted layer's flattened input x_l
    fan_ins = [25, 150, 400, 120, 84]                 # LoRA's A: [r, fan-in] (conv: in·k·k)

    def forward(x, w, keep_inputs=False):
        """LeNet-5 with weights w (5 tensors); optionally every weighted layer's flattened input."""
        inputs = []
        h = x
        for i in range(5):
            if keep_inputs:
                inputs.append(h.reshape(h.shape[0], -1))
            if i < 2:
                h = F.max_pool2d(F.relu(F.conv2d(h, w[i], biases[i], padding=paddings[i])), 2)
                if i == 1:
                    h = h.reshape(h.shape[0], -1)
            else:
                h = F.linear(h, w[i], biases[i])
                if i < 4:
                    h = F.relu(h)
        return h, inputs

    epochs, rank, batch = settings["epochs"], settings["rank"], settings["batch"]
    lr, seed, repeats = settings["lr"], settings["seed"], settings["repeats"]

    def uniform(shape, bound, generator):
        return (torch.rand(shape, generator=generator) * 2 - 1) * bound

    class Method:
        """One fine-tuning method: its trainable tensors, a per-batch loss, and prediction."""

        def __init__(self, name, generator):
            self.name = name
            self.params = []
            if name == "ft-last":
                self.last_w = base_w[4].clone().requires_grad_()
                self.last_b = biases[4].clone().requires_grad_()
                self.params = [self.last_w, self.last_b]
            elif name in ("lora-last", "lora-all"):
                self.adapted = [4] if name == "lora-last" else list(range(5))
                self.lora = {}
                for i in self.adapted:
                    a = uniform((rank, fan_ins[i]), 1 / math.sqrt(fan_ins[i]), generator).requires_grad_()
                    b = torch.zeros(base_w[i].shape[0], rank, requires_grad=True)
                    self.lora[i] = (a, b)
                    self.params += [a, b]
            elif name in ("skip-lora", "skip2-lora"):
                self.down = [uniform((rank, d), 1 / math.sqrt(d), generator).requires_grad_() for d in input_sizes]
                self.up = [torch.zeros(10, rank, requires_grad=True) for _ in input_sizes]
                self.params = self.down + self.up
                self.cache = None
            else:
                raise ValueError(f"the torch peer has no method '{name}'")

        def begin(self, count):
            if self.name == "skip2-lora":  # the forward cache, empty: a cold start
                self.cache = [torch.empty(count, d) for d in input_sizes[1:]] + [torch.empty(count, 10)]
                self.cached = torch.zeros(count, dtype=torch.bool)

        def base_entries(self, x, index):
            """x_2..x_L and h_L of the frozen base for these samples (Skip2-LoRA: from its cache where it can)."""
            if self.name == "skip-lora":
                with torch.no_grad():
                    h, inputs = forward(x, base_w, keep_inputs=True)
                return inputs[1:] + [h]
            missing = index[~self.cached[index]]
            if len(missing) > 0:
                with torch.no_grad():
                    h, inputs = forward(train_x[missing], base_w, keep_inputs=True)
                for store, values in zip(self.cache, inputs[1:] + [h]):
                    store[missing] = values
                self.cached[missing] = True
            return [store[index] for store in self.cache]

        def skip_output(self, x, entries):
            y = entries[-1]
            xs = [x.reshape(x.shape[0], -1)] + entries[:-1]
            for x_l, a, b in zip(xs, self.down, self.up):
                y = y + (x_l @ a.t()) @ b.t()
            return y

        def merged(self):
            w = list(base_w)
            for i, (a, b) in self.lora.items():
                w[i] = base_w[i] + (b @ a).reshape(base_w[i].shape)
            return w

        def logits(self, x, index=None):
            if self.name == "ft-last":
                with torch.no_grad():
                    h = forward_to_last(x)
                return F.linear(h, self.last_w, self.last_b)
            if self.name.startswith("lora"):
                return forward(x, self.merged())[0]
            entries = self.base_entries(x, index) if index is not None else None
            if entries is None:
                with torch.no_grad():
                    h, inputs = forward(x, base_w, keep_inputs=True)
                entries = inputs[1:] + [h]
            return self.skip_output(x, entries)

    def forward_to_last(x):
        h = x
        for i in range(4):
            if i < 2:
                h = F.max_pool2d(F.relu(F.conv2d(h, base_w[i], biases[i], padding=paddings[i])), 2)
                if i == 1:
                    h = h.reshape(h.shape[0], -1)
            else:
                h = F.relu(F.linear(h, base_w[i], biases[i]))
        return h

    def fit(method, x_all, y_all, epoch_count, generator):
        optimiser = torch.optim.Adam(method.params, lr=lr, betas=(0.9, 0.999), eps=1e-8)
        count = x_all.shape[0]
        method.begin(count)
        for _ in range(epoch_count):
            order = torch.randperm(count, generator=generator)
            for start in range(0, count, batch):
                index = order[start:start + batch]
                optimiser.zero_grad(set_to_none=True)
                loss = F.cross_entropy(method.logits(x_all[index], index), y_all[index])
                loss.backward()
                optimiser.step()

    def accuracy(method, x, y):
        right = 0
        with torch.no_grad():
            for start in range(0, x.shape[0], 256):
                right += (method.logits(x[start:start + 256]).argmax(1) == y[start:start + 256]).sum().item()
        return right / x.shape[0]

    with torch.no_grad():
        base_right = sum((forward(test_x[s:s + 256], base_w)[0].argmax(1) == test_y[s:s + 256]).sum().item()
                         for s in range(0, test_x.shape[0], 256))
    results = []
    for name in settings["methods"]:
        if name == "no-ft":
            continue
        # Warm-up: the first call of each kernel allocates and dispatches; keep it off the clock, as the C# bench does.
        warm = Method(name, torch.Generator().manual_seed(seed))
        fit(warm, train_x[:256], train_y[:256], 2, torch.Generator().manual_seed(seed))
        best = best_cpu = math.inf
        method = None
        for _ in range(repeats):
            method = Method(name, torch.Generator().manual_seed(seed))
            cpu_started, started = time.process_time(), time.perf_counter()
            fit(method, train_x, train_y, epochs, torch.Generator().manual_seed(seed))
            best = min(best, time.perf_counter() - started)
            best_cpu = min(best_cpu, time.process_time() - cpu_started)
        results.append({"name": name, "seconds": best, "cpuSeconds": best_cpu, "accuracy": accuracy(method, test_x, test_y)})
        print(f"torch {name}: {results[-1]['accuracy']:.2%} in {best:.3f} s", file=sys.stderr)

    print(json.dumps({
        "torchVersion": torch.__version__,
        "threads": torch.get_num_threads(),
        "baseAccuracy": base_right / test_x.shape[0],
        "methods": results,
    }))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--describe":
        describe(sys.argv[2])
        sys.exit(0)
    if len(sys.argv) != 2:
        print("usage: torch_finetune.py DIR | --describe DIR", file=sys.stderr)
        sys.exit(64)
    sys.exit(main(sys.argv[1]))
