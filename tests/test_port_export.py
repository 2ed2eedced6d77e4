"""Tests for ``export_torch``, the ``port`` command line, refusals and training the port.

The generated file is imported in a fresh Python process that has neither Keras nor lstm_notes,
so it stands alone; every refusal and every command-line error must leave nothing behind.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lstm_notes import PortError, export_torch, port_model, to_numpy
from lstm_notes.cli import main
from lstm_notes.port_model import sample_inputs

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
L = keras.layers

pytestmark = [pytest.mark.keras, pytest.mark.torch]
ROOT = Path(__file__).resolve().parents[1]


def _model() -> Any:
    keras.utils.set_random_seed(0)
    tokens = keras.Input((6,), dtype="int32", name="tokens")
    x = L.Embedding(12, 4, mask_zero=True, name="embedding")(tokens)
    x = L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode="ave", name="both")(x)
    seq, h, _ = L.LSTM(3, return_sequences=True, return_state=True, name="lstm")(x)
    probabilities = L.Dense(2, activation="softmax", name="dense")(seq)
    return keras.Model(tokens, [probabilities, h], name="small_tagger")


def test_export_writes_code_that_runs_without_keras_or_lstm_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        sys, "dont_write_bytecode", False
    )  # as where PYTHONDONTWRITEBYTECODE is unset
    model = _model()
    result = export_torch(model, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["model.py", "weights.pt"]
    source = result.code.read_text()
    imports = {
        line.split()[1] for line in source.splitlines() if line.startswith(("import", "from"))
    }
    assert imports == {"__future__", "torch"}
    assert "'small_tagger'" in source and "lstm_notes 0.1.0" in source
    assert max(result.max_differences) <= 1e-5
    inputs = sample_inputs(model, seed=3)
    expected = [to_numpy(y) for y in model(inputs[0])]
    np.savez(tmp_path / "io.npz", *expected, x=inputs[0])
    script = textwrap.dedent(
        f"""
        import sys
        import numpy as np, torch
        sys.path.insert(0, {str(result.code.parent)!r})
        import inspect, typing
        import model
        from model import SmallTagger
        for function in [f for f in vars(model).values() if inspect.isfunction(f)]:
            typing.get_type_hints(function)  # every name in an annotation exists in the file
        module = SmallTagger()
        module.load_state_dict(torch.load({str(result.weights)!r}, weights_only=True))
        module.eval()
        data = np.load({str(tmp_path / "io.npz")!r})
        got = module(torch.from_numpy(data["x"]))
        assert "keras" not in sys.modules and "lstm_notes" not in sys.modules
        print(max(float(np.abs(g.detach().numpy() - data[f"arr_{{i}}"]).max())
                  for i, g in enumerate(got)))
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert float(run.stdout.strip()) <= 1e-5


def test_ported_module_trains() -> None:
    model = _model()
    module = port_model(model).train()
    before = {name: p.detach().clone() for name, p in module.named_parameters()}
    (x,) = sample_inputs(model)
    probabilities, h = module(torch.from_numpy(x))
    loss = -torch.log(probabilities[..., 0]).mean() + h.pow(2).mean()
    torch.optim.SGD(module.parameters(), lr=0.1).zero_grad()
    loss.backward()
    assert all(p.grad is not None for p in module.parameters())
    torch.optim.SGD(module.parameters(), lr=0.1).step()
    assert all(not torch.equal(before[n], p) for n, p in module.named_parameters())


class Twice(L.Layer):
    def call(self, x: Any) -> Any:
        return 2 * x


def test_refusal_names_every_offending_layer() -> None:
    inputs = keras.Input((5, 3))
    x = L.GRU(4, reset_after=False, return_sequences=True, name="old_gru")(inputs)
    x = L.LSTM(4, activation="relu", return_sequences=True, name="relu_lstm")(x)
    x = Twice(name="twice")(x)
    x = L.Dense(2, activation="sparsemax", name="sparse_head")(x)
    x = L.MultiHeadAttention(1, 2, name="attention")(x, x)
    with pytest.raises(PortError) as caught:
        port_model(keras.Model(inputs, x))
    message = str(caught.value)
    for name, cls in [
        ("old_gru", "GRU"),
        ("relu_lstm", "LSTM"),
        ("twice", "Twice"),
        ("sparse_head", "Dense"),
        ("attention", "MultiHeadAttention"),
    ]:
        assert f"'{name}' ({cls})" in message
    assert "reset_after=False" in message and "custom layer" in message
    assert "Supported layers: Activation, Add" in message


@pytest.mark.filterwarnings("ignore:You passed `rms_scaling=True`:UserWarning")
@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (lambda: L.LSTM(2, stateful=True), "stateful=True"),
        (lambda: L.SimpleRNN(2, activation="sigmoid"), "activation='sigmoid'"),
        (lambda: L.Dense(2, activation="sparsemax"), "activation='sparsemax'"),
        (lambda: L.TimeDistributed(L.Conv1D(2, 1)), "only TimeDistributed(Dense)"),
        (lambda: L.Bidirectional(L.GRU(2, recurrent_activation="relu")), "recurrent_activation"),
        (lambda: L.LayerNormalization(rms_scaling=True), "rms_scaling"),
        (lambda: L.MaxPooling1D(2, data_format="channels_first"), "channels_first"),
    ],
    ids=["stateful", "rnn-activation", "activation", "time-distributed", "gates", "rms", "pool"],
)
def test_refusals(make: Any, phrase: str) -> None:
    layer = make()
    shape = (4, 3, 2) if isinstance(layer, L.TimeDistributed) else (4, 3)
    model = keras.Sequential([keras.Input(shape, batch_size=2), layer])
    with pytest.raises(PortError, match=re.escape(f"'{layer.name}'") + ".*" + re.escape(phrase)):
        port_model(model)


def test_refuses_what_is_not_a_graph() -> None:
    class Subclassed(keras.Model):
        def call(self, x: Any) -> Any:
            return x

    with pytest.raises(PortError, match=r"keras\.Model"):
        port_model(L.LSTM(2))
    with pytest.raises(PortError, match="subclassed models cannot be ported"):
        port_model(Subclassed())


def test_failed_check_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ported = importlib.import_module("lstm_notes.port_model")  # the function shadows the name

    def wrong(model: Any, module: Any, inputs: Any) -> list[tuple[Any, Any]]:
        return [(np.zeros(3), np.ones(3))]

    monkeypatch.setattr(ported, "_both_outputs", wrong)
    with pytest.raises(PortError, match="differs from Keras by 1, more than 1e-05"):
        export_torch(_model(), tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def _port(*args: str, expect: int, capsys: pytest.CaptureFixture) -> tuple[str, str]:
    """Run the command in this process (Keras is imported already, so it is quick)."""
    assert main(["port", *args]) == expect
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_command_line_ports_a_saved_model(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "tagger.keras"
    _model().save(path)
    run = subprocess.run(
        [sys.executable, "-m", "lstm_notes", "port", str(path), str(tmp_path / "torch")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert "ported lstm (LSTM)" in run.stdout and "ported dense (Dense)" in run.stdout
    assert "verified output 0: max |difference|" in run.stdout
    assert "verified output 1" in run.stdout
    assert (tmp_path / "torch" / "model.py").is_file()
    _, err = _port(str(path), str(tmp_path / "torch"), expect=1, capsys=capsys)
    assert err.startswith("error:") and "--force" in err and err.count("\n") == 1
    out, _ = _port(str(path), str(tmp_path / "torch"), "--force", expect=0, capsys=capsys)
    assert "verified output 1" in out


def test_command_line_errors_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    keras.Sequential([keras.Input((3, 2)), Twice(), L.LSTM(2)]).save(tmp_path / "custom.keras")
    keras.Sequential([keras.Input((3, 2)), L.GRU(2, reset_after=False)]).save(
        tmp_path / "gru.keras"
    )
    keras.Sequential([keras.Input((3, 2)), L.Lambda(lambda x: 2 * x)]).save(tmp_path / "l.keras")
    (tmp_path / "text.keras").write_text("not a model")
    (tmp_path / "weights.npz").write_bytes(b"")
    cases = {
        "missing.keras": "no such file",
        "text.keras": "is not a Keras model file",
        "weights.npz": "is not a Keras model file Keras can load",
        "l.keras": "Lambda layer",
        "custom.keras": "custom object 'Twice'",
        "gru.keras": "reset_after=False",
    }
    for name, phrase in cases.items():
        _, err = _port(str(tmp_path / name), str(tmp_path / "out"), expect=1, capsys=capsys)
        assert err.startswith("error:") and phrase in err and err.count("\n") == 1, err
        assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(cases.keys() - {"missing.keras"})


def test_console_entry_point_keeps_the_environment_report(capsys: pytest.CaptureFixture) -> None:
    assert main(["--json"]) == 0
    assert capsys.readouterr().out.lstrip().startswith("{")
