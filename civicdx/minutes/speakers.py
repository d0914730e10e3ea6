"""Speaker diarization: GE2E voice embeddings (resemblyzer's trained weights, run with numpy) and clustering.

resemblyzer's wheel carries ``pretrained.pt`` (a 3-layer LSTM over 40 mel bands, 256-d embeddings). The file
is an old-format torch checkpoint; ``load_checkpoint`` reads it without torch, so the platform needs neither
torch nor librosa: the mel filterbank and the LSTM are a few lines of numpy below.
"""

from __future__ import annotations

import collections
import importlib.util
import pickle
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
N_FFT, HOP, N_MELS = 400, 160, 40  # 25 ms window, 10 ms step, as the model was trained
PARTIAL_FRAMES = 160  # one embedding covers 1.6 s
WINDOW_S, STEP_S = PARTIAL_FRAMES * HOP / SAMPLE_RATE, 0.8
TARGET_DBFS = -30.0
ENROL_MIN_SIMILARITY = 0.75

_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
           "LongStorage": np.int64, "IntStorage": np.int32, "ByteStorage": np.uint8, "BoolStorage": np.bool_}


class _Storage:
    def __init__(self, kind: str, size: int):
        self.dtype = np.dtype(_DTYPES.get(kind, np.float32))
        self.size = size
        self.data: np.ndarray | None = None


class _TensorRef:
    def __init__(self, storage: _Storage, offset: int, size: tuple, stride: tuple):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def array(self) -> np.ndarray:
        item = self.storage.dtype.itemsize
        base = self.storage.data[self.offset:]
        return np.lib.stride_tricks.as_strided(base, self.size, tuple(s * item for s in self.stride)).copy()


class _Unpickler(pickle.Unpickler):
    def __init__(self, f):
        super().__init__(f)
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module, name):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return lambda storage, offset, size, stride, *rest: _TensorRef(storage, offset, size, stride)
        if module == "torch" and name.endswith("Storage"):
            return name
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        return lambda *args, **kwargs: None  # optimizer state and other objects are not needed

    def persistent_load(self, pid):
        _typename, kind, key, _location, size = pid[:5]
        return self.storages.setdefault(key, _Storage(kind, size))


def load_checkpoint(path: Path | str) -> dict[str, np.ndarray]:
    """The ``model_state`` tensors of a legacy (pre-1.6, non-zip) torch checkpoint as numpy arrays."""
    with open(path, "rb") as f:
        for _ in range(3):  # magic number, protocol version, system info
            pickle.load(f)
        unpickler = _Unpickler(f)
        obj = unpickler.load()
        keys = pickle.load(f)
        for key in keys:
            storage = unpickler.storages[key]
            (count,) = struct.unpack("<q", f.read(8))
            storage.data = np.frombuffer(f.read(count * storage.dtype.itemsize), dtype=storage.dtype)
    state = obj.get("model_state", obj)
    return {k: v.array() for k, v in state.items() if isinstance(v, _TensorRef)}


def _hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    mel = f / (200.0 / 3)
    log_region = f >= 1000.0
    return np.where(log_region, 15.0 + np.log(np.maximum(f, 1e-9) / 1000.0) / (np.log(6.4) / 27.0), mel)


def _mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    return np.where(m >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)), m * (200.0 / 3))


@lru_cache(maxsize=1)
def mel_filters() -> np.ndarray:
    """Slaney-style mel filterbank (the librosa default the encoder was trained with), shape (40, 201)."""
    fft_freqs = np.linspace(0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:N_MELS + 2] - mel_f[:N_MELS]))[:, None]
    return weights.astype(np.float32)


def mel_frames(wav: np.ndarray) -> np.ndarray:
    """Power mel spectrogram (frames, 40) of a float32 16 kHz waveform, centred frames with zero padding."""
    padded = np.pad(wav.astype(np.float32), N_FFT // 2)
    n_frames = 1 + (len(padded) - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n_frames)[:, None]
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)  # periodic Hann
    spec = np.abs(np.fft.rfft(padded[idx] * window, axis=1)) ** 2
    return (spec.astype(np.float32) @ mel_filters().T).astype(np.float32)


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class VoiceEncoder:
    """resemblyzer's speaker encoder in numpy: mel frames (batch, 160, 40) → L2-normed 256-d embeddings."""

    def __init__(self, weights: Path | str | None = None):
        if weights is None:
            spec = importlib.util.find_spec("resemblyzer")
            if spec is None or not spec.submodule_search_locations:
                raise FileNotFoundError("話者識別モデル（resemblyzer パッケージ）がインストールされていません。")
            weights = Path(list(spec.submodule_search_locations)[0]) / "pretrained.pt"
        state = load_checkpoint(weights)
        self.layers = []
        layer = 0
        while f"lstm.weight_ih_l{layer}" in state:
            self.layers.append((state[f"lstm.weight_ih_l{layer}"].T.copy(), state[f"lstm.weight_hh_l{layer}"].T.copy(),
                                state[f"lstm.bias_ih_l{layer}"] + state[f"lstm.bias_hh_l{layer}"]))
            layer += 1
        self.linear_w, self.linear_b = state["linear.weight"].T.copy(), state["linear.bias"]

    def forward(self, mels: np.ndarray) -> np.ndarray:
        # The recurrence is hundreds of small matrix products: one BLAS thread is fastest, and with more threads
        # a busy machine (the recogniser, other workers) makes OpenBLAS spin-wait 15× slower.
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return self._forward(mels)

    def _forward(self, mels: np.ndarray) -> np.ndarray:
        x = mels.astype(np.float32)
        batch, steps, _ = x.shape
        for w_ih, w_hh, bias in self.layers:
            hidden = w_hh.shape[0]
            gates_x = x @ w_ih + bias  # (batch, steps, 4H): the input part of every step at once
            h = np.zeros((batch, hidden), np.float32)
            c = np.zeros((batch, hidden), np.float32)
            out = np.empty((batch, steps, hidden), np.float32)
            for t in range(steps):
                g = gates_x[:, t] + h @ w_hh
                i, f, cand, o = _sigmoid(g[:, :hidden]), _sigmoid(g[:, hidden:2 * hidden]), np.tanh(g[:, 2 * hidden:3 * hidden]), _sigmoid(g[:, 3 * hidden:])
                c = f * c + i * cand
                h = o * np.tanh(c)
                out[:, t] = h
            x = out
        raw = np.maximum(h @ self.linear_w + self.linear_b, 0)
        return raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-9)

    def embed_windows(self, wavs: list[np.ndarray], batch: int = 256) -> np.ndarray:
        """One embedding per 1.6 s waveform (shorter ones are zero-padded), volume-normalised first."""
        size = int(WINDOW_S * SAMPLE_RATE)
        mels = []
        for wav in wavs:
            wav = np.asarray(wav, np.float32)[:size]
            rms = float(np.sqrt(np.mean(wav ** 2))) if len(wav) else 0.0
            if rms > 1e-5:
                wav = wav * (10 ** (TARGET_DBFS / 20) / rms)
            mels.append(mel_frames(np.pad(wav, (0, size - len(wav))))[:PARTIAL_FRAMES])
        if not mels:
            return np.zeros((0, self.linear_w.shape[1]), np.float32)
        stacked = np.stack(mels)
        return np.concatenate([self.forward(stacked[i:i + batch]) for i in range(0, len(stacked), batch)])

    def embed_speaker(self, wav: np.ndarray) -> np.ndarray:
        """One voice print from a longer sample (enrolment): the normalised mean of its windows."""
        step, size = int(STEP_S * SAMPLE_RATE), int(WINDOW_S * SAMPLE_RATE)
        wins = [wav[i:i + size] for i in range(0, max(1, len(wav) - size + 1), step)]
        mean = self.embed_windows(wins).mean(axis=0)
        return mean / max(float(np.linalg.norm(mean)), 1e-9)


@lru_cache(maxsize=1)
def default_encoder() -> VoiceEncoder:
    return VoiceEncoder()


def speech_windows(regions: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """1.6 s windows every 0.8 s over speech regions (seconds); a short region gets one window."""
    out = []
    for start, end in regions:
        if end - start <= WINDOW_S:
            out.append((start, end))
            continue
        t = start
        while t + WINDOW_S <= end + 1e-6:
            out.append((t, t + WINDOW_S))
            t += STEP_S
        if out[-1][1] < end - STEP_S / 2:
            out.append((end - WINDOW_S, end))
    return out


@dataclass
class Clustering:
    labels: np.ndarray  # one per window, 0-based, numbered by first appearance
    centroids: np.ndarray  # (speakers, 256)


DISTANCE_THRESHOLD = 0.35  # average-linkage cosine distance where clusters stop merging when no count is given
MIN_SPEAKER_SHARE = 0.08  # a cluster with fewer windows is a boundary or a cough, not a speaker
MAX_LINKAGE_POINTS = 3000


def cluster(embeddings: np.ndarray, *, speakers: int | None = None, min_speakers: int = 1,
            max_speakers: int = 10, threshold: float = DISTANCE_THRESHOLD) -> Clustering:
    """Agglomerative clustering (average linkage, cosine). With ``speakers`` the tree is cut at that count;
    otherwise the count is the number of clusters below ``threshold`` holding at least 8 % of the windows, kept
    within [min_speakers, max_speakers]. Windows then join the nearest centroid, their similarities smoothed over
    the neighbouring windows (one label per 1.6 s is noisy). Above 3,000 windows the tree is built on an even
    sample, so memory stays bounded."""
    from scipy.cluster.hierarchy import fcluster, linkage

    n = len(embeddings)
    if n == 0:
        return Clustering(np.zeros(0, int), np.zeros((0, 256), np.float32))
    if n == 1:
        return Clustering(np.zeros(1, int), embeddings[:1])
    sample = embeddings if n <= MAX_LINKAGE_POINTS else embeddings[np.linspace(0, n - 1, MAX_LINKAGE_POINTS).astype(int)]
    tree = linkage(sample, method="average", metric="cosine")
    if speakers:
        k = speakers
    else:
        sizes = np.bincount(fcluster(tree, threshold, criterion="distance"))
        k = int((sizes >= max(2, MIN_SPEAKER_SHARE * len(sample))).sum())
        k = min(max(k, min_speakers), max_speakers)
    sample_labels = fcluster(tree, min(k, len(sample)), criterion="maxclust")
    centroids = np.stack([sample[sample_labels == lab].mean(axis=0) for lab in sorted(set(sample_labels))])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    sims = embeddings @ centroids.T
    if n >= 3:
        padded = np.vstack([sims[:1], sims, sims[-1:]])
        sims = 0.25 * padded[:-2] + 0.5 * padded[1:-1] + 0.25 * padded[2:]
    labels = np.argmax(sims, axis=1)
    order = list(dict.fromkeys(labels.tolist()))  # renumber by first appearance: 話者1 speaks first
    remap = {old: new for new, old in enumerate(order)}
    return Clustering(np.array([remap[x] for x in labels]), centroids[order])


def match_enrolled(centroids: np.ndarray, enrolled: dict[str, np.ndarray],
                   min_similarity: float = ENROL_MIN_SIMILARITY) -> dict[int, str]:
    """Cluster index → enrolled name, greedily by best cosine similarity, each name used once."""
    if not enrolled or not len(centroids):
        return {}
    names = list(enrolled)
    sims = centroids @ np.stack([enrolled[n] for n in names]).T
    result: dict[int, str] = {}
    for flat in np.argsort(-sims, axis=None):
        i, j = divmod(int(flat), len(names))
        if sims[i, j] < min_similarity:
            break
        if i not in result and names[j] not in result.values():
            result[i] = names[j]
    return result


class Labeller:
    """The speaker label of any time span: the label of the windows overlapping it most (by overlap time),
    else of the nearest window. Windows are sorted by start and at most 1.6 s long, so each look-up reads only
    the few windows around the span (a three-hour meeting has ~13,000 windows and ~40,000 words)."""

    def __init__(self, windows: list[tuple[float, float]], labels: np.ndarray):
        self.starts = np.array([w[0] for w in windows], dtype=np.float64)
        self.ends = np.array([w[1] for w in windows], dtype=np.float64)
        self.labels = np.asarray(labels, dtype=int)

    def at(self, start: float, end: float) -> int:
        if not len(self.starts):
            return 0
        lo = int(np.searchsorted(self.starts, start - WINDOW_S - 1e-6))
        hi = int(np.searchsorted(self.starts, end, side="right"))
        if hi > lo:
            overlap = np.minimum(self.ends[lo:hi], end) - np.maximum(self.starts[lo:hi], start)
            if (overlap > 0).any():
                votes = np.bincount(self.labels[lo:hi][overlap > 0], weights=overlap[overlap > 0])
                return int(np.argmax(votes))
        mid = (start + end) / 2
        i = int(np.searchsorted(self.starts, mid))
        near = [j for j in (i - 1, i) if 0 <= j < len(self.starts)]
        return int(self.labels[min(near, key=lambda j: abs((self.starts[j] + self.ends[j]) / 2 - mid))])
