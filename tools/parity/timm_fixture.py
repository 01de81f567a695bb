"""What parity fixtures and the sweep share: random weights made realistic, key tables, saving.

A freshly initialized timm model is a poor parity subject: batch norms at weight 1, bias 0 and unit
statistics make eval and train mode nearly agree, and zero-initialized last norms switch whole
residual branches off. `randomize_norms` gives every norm random affine weights and running
statistics measured on one batch of noise, then perturbed, so every path carries signal.
"""
import torch
from safetensors.torch import save_file

# Last norm of each residual branch (timm zero-initializes it): small, as in trained networks. With
# weights near 1 a 50-block stage sums 50 branches' float32 rounding, and PyTorch's own float32
# logits drift 2.5e-4 from float64 ones, more than the 1e-4 we test to.
LAST_NORM_WEIGHT = (0.1, 0.3)
NORM_TYPES = (torch.nn.BatchNorm2d, torch.nn.GroupNorm, torch.nn.LayerNorm, torch.nn.BatchNorm1d)


def randomize_norms(model, generator, input_shape):
    """Random affine weights; running statistics from a batch of noise, perturbed; model left in eval."""
    norms = [m for m in model.modules() if isinstance(m, NORM_TYPES)]
    with torch.no_grad():
        for norm in norms:
            if getattr(norm, "weight", None) is None:
                continue
            # timm's zero_init_last leaves exactly the branch-final norms at zero.
            low, high = LAST_NORM_WEIGHT if bool((norm.weight == 0).all()) else (0.5, 1.5)
            norm.weight.uniform_(low, high, generator=generator)
            norm.bias.uniform_(-0.2, 0.2, generator=generator)
        batch_norms = [m for m in norms if isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and m.track_running_stats]
        momenta = [bn.momentum for bn in batch_norms]
        for bn in batch_norms:
            bn.momentum = 1.0  # running stats := this batch's stats
        model.train()
        model(torch.randn(*input_shape, generator=generator))
        for bn, momentum in zip(batch_norms, momenta):
            bn.momentum = momentum
            std = bn.running_var.sqrt()
            bn.running_mean.add_(0.1 * std * torch.randn(bn.running_mean.shape, generator=generator))
            bn.running_var.mul_(torch.empty(bn.running_var.shape).uniform_(0.7, 1.4, generator=generator))
            bn.num_batches_tracked.fill_(int(torch.randint(1, 10_000, (1,), generator=generator)))
    model.eval()


def key_table(state_dict):
    """[[key, shape, dtype], ...] in state-dict order (dtype "F32" or "I64")."""
    dtypes = {torch.float32: "F32", torch.int64: "I64"}
    return [[k, list(v.shape), dtypes[v.dtype]] for k, v in state_dict.items()]


def save_contiguous(tensors, path, metadata=None):
    save_file({k: v.detach().contiguous() for k, v in tensors.items()}, path, metadata=metadata)


def relative_error(actual, expected):
    """max |actual − expected| / max |expected| (the error relative to the largest magnitude)."""
    if actual.shape != expected.shape:
        return float("inf")
    if torch.isnan(actual).any():
        return float("inf")
    scale = expected.abs().max().item()
    worst = (actual - expected).abs().max().item()
    return worst / scale if scale > 0 else worst


# A max-pool window whose two largest inputs lie closer than this (relative) can pick the other
# one under float32 rounding, routing that window's whole gradient elsewhere: any float32
# implementation may then stray ~1e-3 from the float64 gradient of the layers before the pool
# (resnet50s's deep stem did, by a gap of 3.7e-7). Train-step inputs avoid such near-ties.
POOL_TIE_GAP = 1e-5


def max_pool_near_tie(model, x):
    """The smallest relative gap between the two largest inputs of any max-pool window in a
    forward of `model` on `x` (inf when there is no max pool); the model's mode is kept."""
    gaps = [float("inf")]

    def check(module, inputs, output):
        kernel, stride, padding = (torch.nn.modules.utils._pair(v) for v in
                                   (module.kernel_size, module.stride or module.kernel_size, module.padding))
        x = inputs[0].detach()
        padded = torch.nn.functional.pad(x, (padding[1], padding[1], padding[0], padding[0]), value=float("-inf"))
        windows = torch.nn.functional.unfold(padded.flatten(0, 1).unsqueeze(1), kernel, stride=stride)
        top = windows.topk(2, dim=1).values.transpose(1, 2).reshape(-1, 2)  # [windows, 2]
        # Windows of zeros (after a ReLU) tie exactly in any precision; the ReLU drops their gradient.
        top = top[top[:, 0] != 0]
        if len(top):
            gaps.append(float(((top[:, 0] - top[:, 1]) / top[:, 0].abs()).min()))

    hooks = [m.register_forward_hook(check) for m in model.modules() if isinstance(m, torch.nn.MaxPool2d)]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for hook in hooks:
            hook.remove()
    return min(gaps)
