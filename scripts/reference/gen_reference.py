#!/usr/bin/env python3
"""Generate the Keras 3 / PyTorch reference fixtures in test/fixtures/reference.

Run from the repository root with the system Python that has PyTorch and numpy:

    /usr/bin/python3 scripts/reference/gen_reference.py

Every input is drawn in float32 from a fixed seed and then widened to float64,
so the TypeScript engine can load the same inputs exactly. All outputs are
computed in float64, with torch autograd or with numpy formulas written below.
The output is byte-identical between runs on the same installation. Other
builds of libm or torch may change the last bits of transcendental results.
See scripts/reference/README.md for the layout of each file.
"""

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT_DIR = REPO_ROOT / "test" / "fixtures" / "reference"

# One seed per fixture file, so changing one file leaves the others unchanged.
SEED_DENSE = 1001
SEED_ACTIVATIONS = 1002
SEED_BATCH_NORM = 1003
SEED_CLIPPING = 1004
SEED_OPTIMIZERS = 1005
TORCH_SEED_RRELU = 1006

# Maximum relative error between a torch result and its numpy cross-check.
# A larger error means a formula or a torch call in this script is wrong.
SELF_CHECK_TOLERANCE = 1e-12

MAX_FILE_BYTES = 200_000


# ---------------------------------------------------------------------------
# JSON output


def format_json(value, indent=0):
    """Format value as JSON with one numeric array (or matrix row) per line.

    Floats use Python's shortest round-trip repr, so each number parses back to
    the same float64. NaN and infinity are rejected because JSON has no form
    for them.
    """
    pad = " " * indent
    inner = " " * (indent + 2)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [
            f"{inner}{json.dumps(key)}: {format_json(item, indent + 2)}"
            for key, item in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, (list, tuple)):
        if all(is_scalar(item) for item in value):
            return "[" + ", ".join(format_json(item) for item in value) + "]"
        items = [inner + format_json(item, indent + 2) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"cannot write non-finite number {number!r} to JSON")
        return repr(number)
    raise TypeError(f"cannot write value of type {type(value).__name__} to JSON")


def is_scalar(value):
    return value is None or isinstance(value, (bool, str, int, float, np.integer, np.floating))


def write_fixture(out_dir, name, payload):
    text = format_json(payload) + "\n"
    size = len(text.encode("utf-8"))
    if size > MAX_FILE_BYTES:
        raise RuntimeError(f"{name} is {size} bytes, over the {MAX_FILE_BYTES}-byte limit")
    path = out_dir / name
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path} ({size} bytes)")


# ---------------------------------------------------------------------------
# Helpers


def float32_values(array):
    """Round to float32, then widen to float64, so the value is exact in both."""
    return np.asarray(array, dtype=np.float32).astype(np.float64)


def as_list(array):
    return np.asarray(array, dtype=np.float64).tolist()


def to_numpy(tensor):
    return tensor.detach().cpu().numpy().astype(np.float64)


def check_close(label, actual, expected, tolerance=SELF_CHECK_TOLERANCE):
    """Raise if two float64 results disagree, so a wrong formula never reaches a fixture."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        raise AssertionError(f"{label}: shape {actual.shape} != {expected.shape}")
    scale = np.maximum(1.0, np.abs(expected))
    error = float(np.max(np.abs(actual - expected) / scale)) if actual.size else 0.0
    if error > tolerance:
        raise AssertionError(f"{label}: relative error {error:.3e} exceeds {tolerance:.0e}")


def max_abs_diff(a, b):
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


# ---------------------------------------------------------------------------
# dense.json


def build_dense():
    """Run x -> Dense(6) -> relu -> Dense(3) -> sparse softmax cross-entropy in float64."""
    rng = np.random.default_rng(SEED_DENSE)
    batch, n_in, n_hidden, n_out = 4, 5, 6, 3
    x = float32_values(rng.normal(0.0, 1.0, (batch, n_in)))
    # Keras kernel layout: shape (in, out), y = x @ W + b.
    w1 = float32_values(rng.uniform(-0.8, 0.8, (n_in, n_hidden)))
    b1 = float32_values(rng.uniform(-0.2, 0.2, n_hidden))
    w2 = float32_values(rng.uniform(-0.9, 0.9, (n_hidden, n_out)))
    b2 = float32_values(rng.uniform(-0.2, 0.2, n_out))
    # Fixed labels so that every class appears at least once.
    labels = np.array([0, 2, 1, 2])

    tx = torch.tensor(x, requires_grad=True)
    tw1 = torch.tensor(w1, requires_grad=True)
    tb1 = torch.tensor(b1, requires_grad=True)
    tw2 = torch.tensor(w2, requires_grad=True)
    tb2 = torch.tensor(b2, requires_grad=True)
    z1 = tx @ tw1 + tb1
    h1 = torch.relu(z1)
    logits = h1 @ tw2 + tb2
    logits.retain_grad()
    loss = F.cross_entropy(logits, torch.tensor(labels, dtype=torch.long), reduction="mean")
    loss.backward()

    z1_values = to_numpy(z1)
    # relu has no derivative at 0, so the fixture must keep every pre-activation off it.
    if np.min(np.abs(z1_values)) < 1e-3:
        raise AssertionError("dense: a pre-activation lies within 1e-3 of the relu kink")

    probabilities = to_numpy(torch.softmax(logits, dim=1))
    one_hot = np.eye(n_out)[labels]
    # d(mean CE)/dlogits = (softmax - one_hot) / N.
    check_close("dense dlogits", to_numpy(logits.grad), (probabilities - one_hot) / batch)

    return {
        "description": "Dense(5->6) + relu + Dense(6->3), sparse softmax cross-entropy averaged over the batch. Kernels use the Keras layout (in, out): y = x @ W + b.",
        "dtype": "float64",
        "shapes": {"x": [batch, n_in], "W1": [n_in, n_hidden], "W2": [n_hidden, n_out], "logits": [batch, n_out]},
        "x": as_list(x),
        "W1": as_list(w1),
        "b1": as_list(b1),
        "W2": as_list(w2),
        "b2": as_list(b2),
        "labels": [int(label) for label in labels],
        "z1": as_list(z1_values),
        "h1": as_list(to_numpy(h1)),
        "logits": as_list(to_numpy(logits)),
        "probabilities": as_list(probabilities),
        "loss": float(loss.item()),
        "dlogits": as_list(to_numpy(logits.grad)),
        "dW2": as_list(to_numpy(tw2.grad)),
        "db2": as_list(to_numpy(tb2.grad)),
        "dW1": as_list(to_numpy(tw1.grad)),
        "db1": as_list(to_numpy(tb1.grad)),
        "dx": as_list(to_numpy(tx.grad)),
    }


# ---------------------------------------------------------------------------
# activations.json

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805
RRELU_LOWER = 1.0 / 8.0
RRELU_UPPER = 1.0 / 3.0


def sigmoid_np(x):
    return 1.0 / (1.0 + np.exp(-x))


def erf_np(x):
    return np.array([math.erf(value) for value in np.ravel(x)]).reshape(np.shape(x))


def gelu_tanh_inner(x):
    return math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)


def elementwise_activation_specs():
    """List (id, name, params, torch function, numpy y, numpy f'(x)) for each elementwise activation.

    The numpy formulas only cross-check torch autograd. The fixture stores the torch values.
    """
    def leaky(slope):
        return (
            lambda x: F.leaky_relu(x, negative_slope=slope),
            lambda x: np.where(x > 0, x, slope * x),
            lambda x: np.where(x > 0, 1.0, slope),
        )

    def elu(alpha):
        return (
            lambda x: F.elu(x, alpha=alpha),
            lambda x: np.where(x > 0, x, alpha * np.expm1(x)),
            lambda x: np.where(x > 0, 1.0, alpha * np.exp(x)),
        )

    rrelu_eval_slope = (RRELU_LOWER + RRELU_UPPER) / 2.0
    specs = [
        ("linear", "linear", {}, (lambda x: x.clone(), lambda x: x, lambda x: np.ones_like(x))),
        ("sigmoid", "sigmoid", {}, (torch.sigmoid, sigmoid_np, lambda x: sigmoid_np(x) * (1.0 - sigmoid_np(x)))),
        ("tanh", "tanh", {}, (torch.tanh, np.tanh, lambda x: 1.0 - np.tanh(x) ** 2)),
        ("relu", "relu", {}, (torch.relu, lambda x: np.maximum(x, 0.0), lambda x: np.where(x > 0, 1.0, 0.0))),
        ("leaky_relu_0.01", "leaky_relu", {"negative_slope": 0.01}, leaky(0.01)),
        ("leaky_relu_0.2", "leaky_relu", {"negative_slope": 0.2}, leaky(0.2)),
        ("elu_1.0", "elu", {"alpha": 1.0}, elu(1.0)),
        ("elu_0.5", "elu", {"alpha": 0.5}, elu(0.5)),
        (
            "selu",
            "selu",
            {"alpha": SELU_ALPHA, "scale": SELU_SCALE},
            (
                F.selu,
                lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
                lambda x: SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(x)),
            ),
        ),
        (
            "gelu",
            "gelu",
            {"approximate": False},
            (
                lambda x: F.gelu(x, approximate="none"),
                # 0.5 * x * (1 + erf(x / sqrt(2)))
                lambda x: 0.5 * x * (1.0 + erf_np(x / math.sqrt(2.0))),
                lambda x: 0.5 * (1.0 + erf_np(x / math.sqrt(2.0))) + x * np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi),
            ),
        ),
        (
            "gelu_tanh",
            "gelu",
            {"approximate": True},
            (
                lambda x: F.gelu(x, approximate="tanh"),
                # 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
                lambda x: 0.5 * x * (1.0 + np.tanh(gelu_tanh_inner(x))),
                lambda x: 0.5 * (1.0 + np.tanh(gelu_tanh_inner(x)))
                + 0.5 * x * (1.0 - np.tanh(gelu_tanh_inner(x)) ** 2) * math.sqrt(2.0 / math.pi) * (1.0 + 3.0 * 0.044715 * x * x),
            ),
        ),
        (
            "swish",
            "swish",
            {},
            (
                F.silu,
                lambda x: x * sigmoid_np(x),
                lambda x: sigmoid_np(x) * (1.0 + x * (1.0 - sigmoid_np(x))),
            ),
        ),
        (
            "rrelu_eval",
            "rrelu",
            {"lower": RRELU_LOWER, "upper": RRELU_UPPER, "training": False},
            (
                lambda x: F.rrelu(x, lower=RRELU_LOWER, upper=RRELU_UPPER, training=False),
                lambda x: np.where(x >= 0, x, rrelu_eval_slope * x),
                lambda x: np.where(x >= 0, 1.0, rrelu_eval_slope),
            ),
        ),
    ]
    return specs


def run_autograd(function, x, dy):
    tx = torch.tensor(x, requires_grad=True)
    y = function(tx)
    y.backward(torch.tensor(dy))
    return to_numpy(y), to_numpy(tx.grad)


def build_activation_inputs(rng):
    """Draw 64 sorted float32 inputs in [-4, 4]: 58 uniform, plus ±4, ±1e-3 and ±1e-4 near the kinks."""
    uniform = rng.uniform(-4.0, 4.0, 58)
    fixed = [-4.0, 4.0, -1e-3, 1e-3, -1e-4, 1e-4]
    x = float32_values(np.sort(np.concatenate([uniform, fixed])))
    if np.any(x == 0.0):
        raise AssertionError("activations: an input is exactly 0, where relu-like functions have a kink")
    dy = float32_values(rng.normal(0.0, 1.0, x.shape))
    return x, dy


def build_rrelu_training(x, dy):
    """Run rrelu in training mode and record the per-element slopes torch drew.

    torch._C._nn.rrelu_with_noise fills `noise` with the drawn slope for each
    negative input and 1 for each non-negative input, so the slopes are exact
    rather than recovered as y / x.
    """
    generator = torch.Generator().manual_seed(TORCH_SEED_RRELU)
    tx = torch.tensor(x, requires_grad=True)
    noise = torch.empty_like(tx)
    y = torch._C._nn.rrelu_with_noise(tx, noise, RRELU_LOWER, RRELU_UPPER, True, generator)
    y.backward(torch.tensor(dy))
    slopes = to_numpy(noise)
    y_values = to_numpy(y)
    dx = to_numpy(tx.grad)

    negative = x < 0
    if np.any(slopes[negative] < RRELU_LOWER) or np.any(slopes[negative] > RRELU_UPPER):
        raise AssertionError("rrelu: a drawn slope lies outside [lower, upper]")
    check_close("rrelu train slopes vs y/x", y_values[negative] / x[negative], slopes[negative], 1e-15)
    check_close("rrelu train y", y_values, slopes * x)
    check_close("rrelu train dx", dx, slopes * dy)
    return {
        "id": "rrelu_train",
        "name": "rrelu",
        "params": {"lower": RRELU_LOWER, "upper": RRELU_UPPER, "training": True, "torch_seed": TORCH_SEED_RRELU},
        "x": as_list(x),
        "dy": as_list(dy),
        "slopes": as_list(slopes),
        "y": as_list(y_values),
        "dx": as_list(dx),
    }


def build_softmax(rng):
    x = float32_values(rng.uniform(-4.0, 4.0, (4, 10)))
    dy = float32_values(rng.normal(0.0, 1.0, (4, 10)))
    y, dx = run_autograd(lambda t: torch.softmax(t, dim=-1), x, dy)

    # Softmax Jacobian-vector product: dx = y * (dy - sum(dy * y, axis=-1)).
    shifted = np.exp(x - x.max(axis=-1, keepdims=True))
    expected_y = shifted / shifted.sum(axis=-1, keepdims=True)
    check_close("softmax y", y, expected_y)
    check_close("softmax dx", dx, expected_y * (dy - np.sum(dy * expected_y, axis=-1, keepdims=True)))
    return {"id": "softmax", "name": "softmax", "params": {"axis": -1}, "x": as_list(x), "dy": as_list(dy), "y": as_list(y), "dx": as_list(dx)}


def build_activations():
    rng = np.random.default_rng(SEED_ACTIVATIONS)
    x, dy = build_activation_inputs(rng)
    entries = []
    for activation_id, name, params, (torch_function, numpy_y, numpy_derivative) in elementwise_activation_specs():
        y, dx = run_autograd(torch_function, x, dy)
        check_close(f"{activation_id} y", y, numpy_y(x))
        check_close(f"{activation_id} dx", dx, dy * numpy_derivative(x))
        entries.append({"id": activation_id, "name": name, "params": params, "x": as_list(x), "dy": as_list(dy), "y": as_list(y), "dx": as_list(dx)})
    entries.append(build_rrelu_training(x, dy))
    entries.append(build_softmax(rng))
    return {
        "description": "Activation values y = f(x) and input gradients dx = dy * f'(x), from torch autograd in float64. The elementwise entries share one x and dy.",
        "dtype": "float64",
        "entries": entries,
    }


# ---------------------------------------------------------------------------
# batch_norm.json

BN_EPS = 1e-3
BN_TORCH_MOMENTUM = 0.01
BN_KERAS_MOMENTUM = 0.99


def make_batch_norm(gamma, beta, running_mean, running_var):
    layer = torch.nn.BatchNorm1d(len(gamma), eps=BN_EPS, momentum=BN_TORCH_MOMENTUM).double()
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(gamma))
        layer.bias.copy_(torch.tensor(beta))
        layer.running_mean.copy_(torch.tensor(running_mean))
        layer.running_var.copy_(torch.tensor(running_var))
    return layer


def run_batch_norm(layer, x, dy):
    tx = torch.tensor(x, requires_grad=True)
    y = layer(tx)
    y.backward(torch.tensor(dy))
    return to_numpy(y), to_numpy(tx.grad), to_numpy(layer.weight.grad), to_numpy(layer.bias.grad)


def build_batch_norm():
    rng = np.random.default_rng(SEED_BATCH_NORM)
    batch, channels = 8, 5
    loc = np.array([0.5, -1.0, 2.0, 0.0, 3.0])
    scale = np.array([1.0, 0.5, 2.0, 0.1, 1.5])
    x = float32_values(rng.normal(loc, scale, (batch, channels)))
    dy = float32_values(rng.normal(0.0, 1.0, (batch, channels)))
    gamma = float32_values([1.2, 0.7, 1.5, 0.9, 2.0])
    beta = float32_values([0.1, -0.2, 0.3, 0.05, -0.4])
    initial_mean = float32_values([0.2, -0.1, 0.5, 0.0, 1.0])
    initial_var = float32_values([1.5, 0.8, 2.0, 0.05, 1.0])

    layer = make_batch_norm(gamma, beta, initial_mean, initial_var)
    layer.train()
    y, dx, dgamma, dbeta = run_batch_norm(layer, x, dy)
    torch_running_mean = to_numpy(layer.running_mean)
    torch_running_var = to_numpy(layer.running_var)

    batch_mean = x.mean(axis=0)
    batch_var = x.var(axis=0, ddof=0)
    batch_var_unbiased = x.var(axis=0, ddof=1)
    # Keras 3: moving = moving * momentum + batch_stat * (1 - momentum), with the biased variance.
    keras_moving_mean = initial_mean * BN_KERAS_MOMENTUM + batch_mean * (1.0 - BN_KERAS_MOMENTUM)
    keras_moving_variance = initial_var * BN_KERAS_MOMENTUM + batch_var * (1.0 - BN_KERAS_MOMENTUM)

    # Cross-check torch against the closed forms: x_hat = (x - mean) / sqrt(var + eps),
    # dx = gamma / sqrt(var + eps) * (dy - mean(dy) - x_hat * mean(dy * x_hat)).
    inv_std = 1.0 / np.sqrt(batch_var + BN_EPS)
    x_hat = (x - batch_mean) * inv_std
    check_close("batch_norm train y", y, gamma * x_hat + beta)
    check_close("batch_norm train dx", dx, gamma * inv_std * (dy - dy.mean(axis=0) - x_hat * (dy * x_hat).mean(axis=0)))
    check_close("batch_norm dgamma", dgamma, (dy * x_hat).sum(axis=0))
    check_close("batch_norm dbeta", dbeta, dy.sum(axis=0))
    check_close("batch_norm torch running_mean", torch_running_mean, keras_moving_mean)
    check_close("batch_norm torch running_var", torch_running_var, initial_var * 0.99 + batch_var_unbiased * 0.01)

    eval_mean = float32_values([0.4, -0.9, 1.8, 0.02, 2.5])
    eval_var = float32_values([0.9, 0.3, 3.5, 0.015, 2.2])
    eval_layer = make_batch_norm(gamma, beta, eval_mean, eval_var)
    eval_layer.eval()
    eval_y, eval_dx, eval_dgamma, eval_dbeta = run_batch_norm(eval_layer, x, dy)
    eval_inv_std = 1.0 / np.sqrt(eval_var + BN_EPS)
    check_close("batch_norm eval y", eval_y, gamma * (x - eval_mean) * eval_inv_std + beta)
    check_close("batch_norm eval dx", eval_dx, dy * gamma * eval_inv_std)

    single_row_error = None
    single_layer = make_batch_norm(gamma, beta, initial_mean, initial_var)
    single_layer.train()
    try:
        single_layer(torch.tensor(x[:1]))
    except ValueError as error:
        single_row_error = f"{type(error).__name__}: {error}"
    if single_row_error is None:
        raise AssertionError("batch_norm: torch accepted a training batch of 1 row, so the batch_of_one note is out of date")

    return {
        "description": "torch.nn.BatchNorm1d(5, eps=1e-3, momentum=0.01) in float64, which matches Keras BatchNormalization(epsilon=1e-3, momentum=0.99) except for the moving-variance update.",
        "dtype": "float64",
        "eps": BN_EPS,
        "torch_momentum": BN_TORCH_MOMENTUM,
        "keras_momentum": BN_KERAS_MOMENTUM,
        "x": as_list(x),
        "dy": as_list(dy),
        "gamma": as_list(gamma),
        "beta": as_list(beta),
        "train": {
            "running_mean_before": as_list(initial_mean),
            "running_var_before": as_list(initial_var),
            "y": as_list(y),
            "dx": as_list(dx),
            "dgamma": as_list(dgamma),
            "dbeta": as_list(dbeta),
            "batch_mean": as_list(batch_mean),
            "batch_var": as_list(batch_var),
            "batch_var_unbiased": as_list(batch_var_unbiased),
            "torch_running_mean": as_list(torch_running_mean),
            "torch_running_var": as_list(torch_running_var),
            "keras_moving_mean": as_list(keras_moving_mean),
            "keras_moving_variance": as_list(keras_moving_variance),
        },
        "eval": {
            "moving_mean": as_list(eval_mean),
            "moving_variance": as_list(eval_var),
            "y": as_list(eval_y),
            "dx": as_list(eval_dx),
            "dgamma": as_list(eval_dgamma),
            "dbeta": as_list(eval_dbeta),
        },
        "batch_of_one": {
            "torch_train_error": single_row_error,
            "note": "torch raises for a training batch with one row per channel. The Keras formula gives batch variance 0 and x - mean = 0, so y = beta. No Keras value is recorded because this script does not run Keras.",
        },
    }


# ---------------------------------------------------------------------------
# clipping.json

CLIP_VALUE = 0.5
CLIP_NORM = 1.0
TORCH_CLIP_GRAD_NORM_EPS = 1e-6


def build_clipping():
    rng = np.random.default_rng(SEED_CLIPPING)
    # Tensor 0 and tensor 2 contain large entries, so their norms exceed 1.
    # Tensor 1 stays small, so per-variable clipnorm leaves it unchanged.
    g0 = rng.normal(0.0, 0.3, (4, 3))
    g0[0, 1] = 3.5
    g0[2, 2] = -2.25
    g1 = rng.normal(0.0, 0.2, 3)
    g2 = rng.normal(0.0, 0.3, (3, 2))
    g2[1, 0] = -4.0
    gradients = [float32_values(g) for g in (g0, g1, g2)]

    # Keras clipvalue: clip(g, -v, v) elementwise.
    clipped_by_value = [np.clip(g, -CLIP_VALUE, CLIP_VALUE) for g in gradients]

    # Keras clipnorm, per variable: g * c / max(||g||, c), which equals g * min(1, c / ||g||).
    norms = [float(np.sqrt(np.sum(g * g))) for g in gradients]
    clipped_by_norm = [g * CLIP_NORM / max(norm, CLIP_NORM) for g, norm in zip(gradients, norms)]

    # Keras global_clipnorm: scale = c * min(1 / total, 1 / c).
    global_norm = float(np.sqrt(sum(np.sum(g * g) for g in gradients)))
    keras_scale = CLIP_NORM * min(1.0 / global_norm, 1.0 / CLIP_NORM)
    keras_global = [g * keras_scale for g in gradients]

    # torch clip_grad_norm_: scale = min(1, max_norm / (total + 1e-6)).
    torch_params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in gradients]
    for param, g in zip(torch_params, gradients):
        param.grad = torch.tensor(g)
    torch_total = float(torch.nn.utils.clip_grad_norm_(torch_params, max_norm=CLIP_NORM, norm_type=2.0))
    torch_global = [to_numpy(param.grad) for param in torch_params]
    torch_scale = min(1.0, CLIP_NORM / (global_norm + TORCH_CLIP_GRAD_NORM_EPS))

    check_close("clipping torch total norm", torch_total, global_norm)
    for index, g in enumerate(gradients):
        check_close(f"clipping torch global tensor {index}", torch_global[index], g * torch_scale)

    return {
        "description": "Gradient clipping of three tensors with shapes [4, 3], [3] and [3, 2], in float64.",
        "dtype": "float64",
        "shapes": [list(g.shape) for g in gradients],
        "gradients": [as_list(g) for g in gradients],
        "clip_value": {"clipvalue": CLIP_VALUE, "result": [as_list(g) for g in clipped_by_value]},
        "clip_norm": {"clipnorm": CLIP_NORM, "norms": norms, "result": [as_list(g) for g in clipped_by_norm]},
        "global_norm": global_norm,
        "global_clip_norm": {
            "clipnorm": CLIP_NORM,
            "keras_scale": keras_scale,
            "keras": [as_list(g) for g in keras_global],
            "torch_eps": TORCH_CLIP_GRAD_NORM_EPS,
            "torch_total_norm": torch_total,
            "torch_scale": torch_scale,
            "torch": [as_list(g) for g in torch_global],
            "max_abs_diff_keras_torch": max(max_abs_diff(a, b) for a, b in zip(keras_global, torch_global)),
        },
    }


# ---------------------------------------------------------------------------
# optimizers.json
#
# Each keras_* function returns the parameter after every step, shape [steps, n],
# using the Keras 3 update formula and default hyperparameters, in float64.
# t is the 1-based step number (Keras: iterations + 1).


def keras_sgd(w0, gradients, learning_rate=0.01):
    # w = w - lr * g
    w = w0.copy()
    trajectory = []
    for g in gradients:
        w = w - learning_rate * g
        trajectory.append(w.copy())
    return trajectory


def keras_sgd_momentum(w0, gradients, learning_rate=0.01, momentum=0.9, nesterov=False):
    # m = momentum * m - lr * g        (m starts at 0)
    # plain:    w = w + m
    # nesterov: w = w + momentum * m - lr * g
    w = w0.copy()
    m = np.zeros_like(w0)
    trajectory = []
    for g in gradients:
        m = m * momentum - g * learning_rate
        if nesterov:
            w = w + (m * momentum - g * learning_rate)
        else:
            w = w + m
        trajectory.append(w.copy())
    return trajectory


def keras_adam(w0, gradients, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    # alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
    # m = m + (g - m) * (1 - beta_1)
    # v = v + (g^2 - v) * (1 - beta_2)
    # w = w - alpha * m / (sqrt(v) + epsilon)
    w = w0.copy()
    m = np.zeros_like(w0)
    v = np.zeros_like(w0)
    trajectory = []
    for step, g in enumerate(gradients, start=1):
        alpha = learning_rate * math.sqrt(1.0 - beta_2**step) / (1.0 - beta_1**step)
        m = m + (g - m) * (1.0 - beta_1)
        v = v + (g * g - v) * (1.0 - beta_2)
        w = w - (m * alpha) / (np.sqrt(v) + epsilon)
        trajectory.append(w.copy())
    return trajectory


def nadam_momentum_cache(beta_1, step, schedule_decay):
    # u_t = beta_1 * (1 - 0.5 * 0.96^(schedule_decay * t))
    return beta_1 * (1.0 - 0.5 * 0.96 ** (schedule_decay * step))


def keras_nadam(w0, gradients, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, schedule_decay=1.0):
    # Keras 3 has no schedule_decay argument and behaves as schedule_decay = 1,
    # so u_t = beta_1 * (1 - 0.5 * 0.96^t).
    # u_product_t = u_1 * ... * u_t            (updated before the variable update)
    # m = m + (g - m) * (1 - beta_1)
    # v = v + (g^2 - v) * (1 - beta_2)
    # m_hat = u_{t+1} * m / (1 - u_product_t * u_{t+1}) + (1 - u_t) * g / (1 - u_product_t)
    # v_hat = v / (1 - beta_2^t)
    # w = w - lr * m_hat / (sqrt(v_hat) + epsilon)
    w = w0.copy()
    m = np.zeros_like(w0)
    v = np.zeros_like(w0)
    u_product = 1.0
    trajectory = []
    for step, g in enumerate(gradients, start=1):
        u_t = nadam_momentum_cache(beta_1, step, schedule_decay)
        u_next = nadam_momentum_cache(beta_1, step + 1, schedule_decay)
        u_product = u_product * u_t
        u_product_next = u_product * u_next
        m = m + (g - m) * (1.0 - beta_1)
        v = v + (g * g - v) * (1.0 - beta_2)
        m_hat = u_next * m / (1.0 - u_product_next) + (1.0 - u_t) * g / (1.0 - u_product)
        v_hat = v / (1.0 - beta_2**step)
        w = w - (m_hat * learning_rate) / (np.sqrt(v_hat) + epsilon)
        trajectory.append(w.copy())
    return trajectory


def keras_rmsprop(w0, gradients, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    # momentum = 0, centered = False:
    # v = rho * v + (1 - rho) * g^2            (v starts at 0)
    # w = w - lr * g / sqrt(v + epsilon)       (epsilon inside the square root)
    w = w0.copy()
    v = np.zeros_like(w0)
    trajectory = []
    for g in gradients:
        v = rho * v + (1.0 - rho) * (g * g)
        w = w - (learning_rate * g) / np.sqrt(v + epsilon)
        trajectory.append(w.copy())
    return trajectory


def keras_adagrad(w0, gradients, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
    # a = a + g^2                              (a starts at initial_accumulator_value)
    # w = w - lr * g / sqrt(a + epsilon)       (epsilon inside the square root)
    w = w0.copy()
    accumulator = np.full_like(w0, initial_accumulator_value)
    trajectory = []
    for g in gradients:
        accumulator = accumulator + g * g
        w = w - (learning_rate * g) / np.sqrt(accumulator + epsilon)
        trajectory.append(w.copy())
    return trajectory


def run_torch_optimizer(optimizer_class, options, w0, gradients):
    """Feed the fixed gradients to a torch optimizer and return the parameter after each step."""
    param = torch.tensor(w0, requires_grad=True)
    optimizer = optimizer_class([param], **options)
    trajectory = []
    for g in gradients:
        optimizer.zero_grad()
        param.grad = torch.tensor(g)
        optimizer.step()
        trajectory.append(to_numpy(param))
    return trajectory


def optimizer_entry(entry_id, name, keras_params, keras_trajectory, torch_class, torch_params, should_equal, note, w0, gradients):
    entry = {
        "id": entry_id,
        "name": name,
        "params": keras_params,
        "keras": [as_list(w) for w in keras_trajectory],
        "torch": None,
    }
    if torch_class is not None:
        torch_trajectory = run_torch_optimizer(torch_class, torch_params, w0, gradients)
        difference = max_abs_diff(np.array(torch_trajectory), np.array(keras_trajectory))
        if should_equal and difference > SELF_CHECK_TOLERANCE:
            raise AssertionError(f"{entry_id}: torch differs from the Keras formula by {difference:.3e}")
        if not should_equal and difference <= SELF_CHECK_TOLERANCE:
            raise AssertionError(f"{entry_id}: torch matches Keras although should_equal is False, so the entry's flag and note are out of date")
        entry["torch"] = {
            "optimizer": f"torch.optim.{torch_class.__name__}",
            "params": torch_params,
            "trajectory": [as_list(w) for w in torch_trajectory],
            "should_equal_keras": should_equal,
            "max_abs_diff_from_keras": difference,
            "note": note,
        }
    return entry


def build_optimizers():
    rng = np.random.default_rng(SEED_OPTIMIZERS)
    steps, size = 5, 6
    w0 = float32_values(rng.normal(0.0, 1.0, size))
    gradients = rng.normal(0.0, 1.0, (steps, size))
    # Column 1 is large and column 4 is tiny, so epsilon dominates there.
    # Column 5 is exactly 0 at step 1.
    gradients[:, 1] *= 10.0
    gradients[:, 4] *= 1e-4
    gradients[0, 5] = 0.0
    gradients = float32_values(gradients)
    args = (w0, gradients)

    entries = [
        optimizer_entry(
            "sgd", "SGD", {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
            keras_sgd(*args),
            torch.optim.SGD, {"lr": 0.01}, True,
            "Same update: w = w - lr * g.", *args,
        ),
        optimizer_entry(
            "sgd_momentum", "SGD", {"learning_rate": 0.01, "momentum": 0.9, "nesterov": False},
            keras_sgd_momentum(*args, momentum=0.9),
            torch.optim.SGD, {"lr": 0.01, "momentum": 0.9}, True,
            "torch keeps b = momentum * b + g and steps by -lr * b. For a constant lr this is Keras's m = -lr * b.", *args,
        ),
        optimizer_entry(
            "sgd_nesterov", "SGD", {"learning_rate": 0.01, "momentum": 0.9, "nesterov": True},
            keras_sgd_momentum(*args, momentum=0.9, nesterov=True),
            torch.optim.SGD, {"lr": 0.01, "momentum": 0.9, "nesterov": True}, True,
            "torch steps by -lr * (g + momentum * b). For a constant lr this is Keras's momentum * m - lr * g.", *args,
        ),
        optimizer_entry(
            "adam", "Adam", {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
            keras_adam(*args),
            torch.optim.Adam, {"lr": 0.001, "betas": [0.9, 0.999], "eps": 1e-7}, False,
            "torch adds eps to sqrt(v / (1 - beta_2^t)). Keras adds epsilon to sqrt(v) and folds the bias correction into alpha, which equals torch with eps * sqrt(1 - beta_2^t), so the two differ most where |g| is tiny.", *args,
        ),
        optimizer_entry(
            "nadam", "Nadam", {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
            keras_nadam(*args),
            torch.optim.NAdam, {"lr": 0.001, "betas": [0.9, 0.999], "eps": 1e-7, "momentum_decay": 1.0}, False,
            "momentum_decay=1.0 gives torch Keras 3's schedule u_t = beta_1 * (1 - 0.5 * 0.96^t). torch 1.13 still differs because it computes u_product_next = u_product_t * u_t * u_{t+1}, counting u_t twice. Current PyTorch source uses u_product_t * u_{t+1}, as Keras does.", *args,
        ),
        optimizer_entry(
            "nadam_schedule_decay_0.004", "Nadam", {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "schedule_decay": 0.004},
            keras_nadam(*args, schedule_decay=0.004),
            torch.optim.NAdam, {"lr": 0.001, "betas": [0.9, 0.999], "eps": 1e-7, "momentum_decay": 0.004}, False,
            "Not Keras 3. Same formula as nadam but with u_t = beta_1 * (1 - 0.5 * 0.96^(0.004 * t)), the schedule of torch's default momentum_decay=4e-3. torch 1.13 differs for the same reasons as in the nadam entry.", *args,
        ),
        optimizer_entry(
            "rmsprop", "RMSprop", {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False},
            keras_rmsprop(*args),
            torch.optim.RMSprop, {"lr": 0.001, "alpha": 0.9, "eps": 1e-7, "momentum": 0.0, "centered": False}, False,
            "torch divides by sqrt(v) + eps. Keras divides by sqrt(v + epsilon).", *args,
        ),
        optimizer_entry(
            "adagrad", "Adagrad", {"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7},
            keras_adagrad(*args),
            torch.optim.Adagrad, {"lr": 0.001, "initial_accumulator_value": 0.1, "eps": 1e-7}, False,
            "torch divides by sqrt(a) + eps. Keras divides by sqrt(a + epsilon). With a >= 0.1 the difference is about 1e-7 relative per step.", *args,
        ),
    ]

    schedule_steps = list(range(0, 31))
    initial_rate, decay_steps, decay_rate = 0.01, 10, 0.5
    # Keras ExponentialDecay: lr(step) = initial * decay_rate^(step / decay_steps),
    # with the exponent floored when staircase is true.
    smooth = [initial_rate * decay_rate ** (step / decay_steps) for step in schedule_steps]
    staircase = [initial_rate * decay_rate ** math.floor(step / decay_steps) for step in schedule_steps]

    return {
        "description": "Parameter after each of 5 steps for fixed gradient sequences, from the Keras 3 update formulas in numpy float64 and from torch.optim in float64.",
        "dtype": "float64",
        "w0": as_list(w0),
        "gradients": as_list(gradients),
        "optimizers": entries,
        "exponential_decay": {
            "initial_learning_rate": initial_rate,
            "decay_steps": decay_steps,
            "decay_rate": decay_rate,
            "steps": schedule_steps,
            "staircase_false": smooth,
            "staircase_true": staircase,
        },
    }


# ---------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=DEFAULT_OUT_DIR,
        help=f"directory for the JSON fixtures (default: {DEFAULT_OUT_DIR.relative_to(REPO_ROOT)})",
    )
    options = parser.parse_args(argv)

    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64)
    options.out_dir.mkdir(parents=True, exist_ok=True)

    write_fixture(options.out_dir, "dense.json", build_dense())
    write_fixture(options.out_dir, "activations.json", build_activations())
    write_fixture(options.out_dir, "batch_norm.json", build_batch_norm())
    write_fixture(options.out_dir, "clipping.json", build_clipping())
    write_fixture(options.out_dir, "optimizers.json", build_optimizers())
    return 0


if __name__ == "__main__":
    sys.exit(main())
