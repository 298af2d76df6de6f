"""Low-rank updates (LoRA) of a transformer's linear layers, as .npz arrays: read by the fitted embedding model
(``embedder.py``), the question encoder and the fitted cross-encoder (``app/engine``)."""
from __future__ import annotations

import numpy as np


def lowrank_arrays(deltas: dict) -> dict[str, np.ndarray]:
    """Layer updates as the arrays a .npz holds ("<layer>.A", "<layer>.B", float16: half the size, same ranking)."""
    return {f"{k}.{part}": np.asarray(m, dtype=np.float16) for k, (a, b) in deltas.items() for part, m in (("A", a), ("B", b))}


def lowrank_deltas(z) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The layer updates of an opened .npz (``lowrank_arrays``'s keys), by layer name."""
    return {k[:-2]: (z[k], z[k[:-2] + ".B"]) for k in z.files if k.endswith(".A")}


def merge_lowrank(module, deltas: dict) -> None:
    """Add ``B @ A`` to the weight of each named linear layer of ``module`` (a transformer), in place. A layer missing
    or of another shape is a ValueError: the updates were fit for another model."""
    import torch

    layers = dict(module.named_modules())
    with torch.no_grad():
        for name, (a, b) in deltas.items():
            layer = layers.get(name)
            if layer is None or tuple(layer.weight.shape) != (b.shape[0], a.shape[1]):
                raise ValueError(f"layer {name} is not in the model or has another shape")
            # the product in torch, not numpy: numpy's BLAS threads and torch's, taking turns on two cores, made
            # the 36 updates take 0.3 s instead of 0.01 s
            layer.weight += torch.from_numpy(np.asarray(b, dtype=np.float32)) @ torch.from_numpy(np.asarray(a, dtype=np.float32))
