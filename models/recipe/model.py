"""The minutia network: normalised image -> stride-4 maps (Keras 3, any input size).

Output channels, all squashed to [0, 1] or [-1, 1] so one int8 scale fits them:
segmentation, minutia heat, sub-cell x / y offset (sigmoid), minutia direction
cos / sin, ridge orientation cos 2phi / sin 2phi (tanh). ReLU6 and plain
convolutions keep the int8 export accurate and XNNPACK-friendly.
"""

from __future__ import annotations

import keras
from keras import layers

N_OUT = 8


def _d2s(t):
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf  # the export's backend: the op becomes TFLite's DEPTH_TO_SPACE

        return tf.nn.depth_to_space(t, 2)
    # Other backends (JAX or PyTorch on an accelerator) train the same layers; TF's channel
    # order is (row offset, column offset, channel).
    from keras import ops

    b, h, w, c = ops.shape(t)
    t = ops.reshape(t, (b, h, w, 2, 2, c // 4))
    t = ops.transpose(t, (0, 1, 3, 2, 4, 5))
    return ops.reshape(t, (b, h * 2, w * 2, c // 4))


def _cbr(x, ch, k=3, s=1, name=None):
    x = layers.Conv2D(ch, k, strides=s, padding="same", use_bias=False, name=name)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU(6.0)(x)


def _res(x, ch):
    y = _cbr(x, ch)
    y = layers.Conv2D(ch, 3, padding="same", use_bias=False)(y)
    y = layers.BatchNormalization()(y)
    return layers.ReLU(6.0)(layers.Add()([x, y]))


def build(width: int = 32, size: tuple[int, int] | None = None) -> keras.Model:
    h, w = size or (None, None)
    inp = keras.Input((h, w, 1), name="image")
    x = _cbr(inp, width // 2, s=2)  # /2
    x = _cbr(x, width, s=2)  # /4
    x = _res(x, width)
    f4 = x
    y = _cbr(x, width * 3 // 2, s=2)  # /8: context of several ridge periods
    y = _res(y, width * 3 // 2)
    y = _res(y, width * 3 // 2)
    # 1x1 conv + depth-to-space, not UpSampling2D or a transposed convolution: their
    # reshape / output-shape constants would pin the input size in the TFLite graph.
    y = _cbr(y, width * 4, k=1)
    y = layers.Lambda(_d2s, name="d2s")(y)
    z = layers.Concatenate()([f4, y])
    z = _cbr(z, width, k=1)
    z = _res(z, width)
    sig = layers.Conv2D(4, 1, activation="sigmoid", name="sig")(z)
    tan = layers.Conv2D(4, 1, activation="tanh", name="tan")(z)
    out = layers.Concatenate(name="maps")([sig, tan])
    return keras.Model(inp, out, name="sidik_minutia_net")
