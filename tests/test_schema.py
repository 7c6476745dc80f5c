"""The trace's JSON: a round trip that keeps everything, the shipped JSON Schema (checked with the reference
`jsonschema` library), and a loader that refuses every broken file with one line naming the JSON path."""

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resnet_viz.errors import InvalidTrace, InvalidType
from resnet_viz.schema import load_trace_text, read_trace_file, trace_to_dict, trace_to_json
from resnet_viz.schema.conform import first_error, trace_schema

jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture(scope="module")
def doc(make_trace):
    return trace_to_dict(make_trace(18, 64))


CONFIGS = [(18, 64, {}), (50, 224, {}), (56, None, {}), (34, None, {"shortcut": "A"}), (50, 64, {"preact": True}),
           (None, 64, {"arch": "resnext50_32x4d"}), (18, "33x47", {"batch": 3}), (164, None, {"preact": True})]


@pytest.mark.parametrize(("depth", "size", "kw"), CONFIGS)
def test_round_trip_and_the_shipped_schema(make_trace, depth, size, kw):
    t = make_trace(depth, size, **kw)
    text = trace_to_json(t)
    jsonschema.validate(json.loads(text), trace_schema(), cls=jsonschema.Draft202012Validator)
    back = load_trace_text(text)
    assert back == t and trace_to_json(back) == text
    assert back.provenance == t.provenance  # excluded from equality, kept all the same


def test_zoo_traces_validate_too(zoo_trace):
    for name in ("se_resnet", "resnet_d_block_net", "cifar_resnet20_option_a", "plain_cnn", "multi_output_backbone"):
        for device in ("meta", "cpu"):
            t = zoo_trace(name, device)
            jsonschema.validate(trace_to_dict(t), trace_schema(), cls=jsonschema.Draft202012Validator)
            assert load_trace_text(trace_to_json(t)) == t


def test_the_json_contract(make_trace):
    d = json.loads(trace_to_json(make_trace(50, 224)))
    assert d["schema_version"] == 2 and d["batch"] == 1 and d["input"] == [3, 224, 224]
    assert d["model"]["depth"] == 50 and d["model"]["block"] == "bottleneck" and d["model"]["variant"] == "v1.5"
    add = next(o for o in d["ops"] if o["id"] == "layer2.0.add")
    assert add["inputs"] == [{"op": "layer2.0.bn3", "index": 0, "volume": [512, 28, 28]},
                             {"op": "layer2.0.downsample.1", "index": 0, "volume": [512, 28, 28]}]
    assert add["path"] == "join" and add["block"] == "layer2.0"
    assert d["ops"][0]["inputs"][0]["op"] is None
    assert d["stages"][1]["blocks"][0]["shortcut"] == "projection"


def bad(doc, path, value):
    d = copy.deepcopy(doc)
    node = d
    for p in path[:-1]:
        node = node[p]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return json.dumps(d)


CASES = [
    ((["ops", 0, "stride", 0]), 0, r"\$\.ops\[0\]\.stride\[0\]: 0 is less than the minimum 1"),
    ((["ops", 0, "params"]), "9408", r"\$\.ops\[0\]\.params: expected a whole number, got a string"),
    ((["ops", 0, "id"]), None, r"\$\.ops\[0\]\.id: expected a string"),
    ((["ops"]), [], r"\$\.ops: needs at least 1 item"),
    ((["stages", 0, "blocks"]), [], r"\$\.stages\[0\]\.blocks: needs at least 1 item"),
    ((["stages", 0, "blocks", 0, "ops", 0]), "nope", r"names 'nope', which is not an op"),
    ((["input"]), [3, 64], r"\$\.ops\[0\]\.inputs\[0\]\.volume: differs from the volume its producer made"),
    ((["ops", 0, "macs"]), -5, r"\$\.ops\[0\]\.macs: -5 is less than the minimum 0"),
    ((["ops", 0, "macs"]), 12, r"\$\.ops\[0\]\.macs: 12 does not follow"),
    ((["totals", "macs"]), 1, r"\$\.totals\.macs: 1 is not the sum"),
    ((["ops", 0, "outputs", 0]), [64, 99, 99], r"output height 99 does not follow"),
    ((["ops", 1, "inputs", 0, "op"]), "fc", r"'fc' is not an earlier op"),
    ((["ops", 0, "kind"]), "teleport", r"\$\.ops\[0\]\.kind: \"teleport\" is not one of"),
    ((["schema_version"]), 1, r"schema version 1\); trace the model again"),
    ((["schema_version"]), KeyError, r"no schema_version"),
    ((["extra"]), 1, r"unexpected key \"extra\""),
    ((["ops", 0, "id"]), "a\nb", r"control characters"),
]


@pytest.mark.parametrize(("path", "value", "message"), CASES)
def test_broken_documents_name_the_first_problem(doc, path, value, message):
    with pytest.raises(InvalidTrace, match=message) as err:
        load_trace_text(bad(doc, path, value))
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(("text", "message"), [
    ("[]", "the top level is a list"), ('"x"', "the top level is a string"), ("{", "not JSON"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply|not JSON"), ('{"a": NaN}', "NaN is not a number JSON allows"),
    ('{"a": Infinity}', "Infinity"), ('{"a": 1, "a": 2}', "appears twice"),
])
def test_what_is_not_a_trace_at_all(text, message):
    with pytest.raises(InvalidTrace, match=message):
        load_trace_text(text)


def test_files_that_cannot_be_traces(tmp_path):
    (tmp_path / "latin1.json").write_bytes(b'{"model_name": "caf\xe9"}')
    with pytest.raises(InvalidTrace, match=r"not UTF-8 text \(byte 0xe9"):
        read_trace_file(tmp_path / "latin1.json")
    with pytest.raises(InvalidTrace, match="cannot read the trace"):
        read_trace_file(tmp_path / "missing.json")
    with pytest.raises(InvalidTrace, match="cannot read the trace"):
        read_trace_file(tmp_path)
    with pytest.raises(InvalidTrace, match="larger than 64 MiB"):
        read_trace_file("/dev/zero")  # reading only: the size limit stops it
    with pytest.raises(InvalidType):
        read_trace_file(None)


def test_nan_is_never_written(make_trace):
    assert "NaN" not in trace_to_json(make_trace(18, 64))


_json = st.recursive(st.none() | st.booleans() | st.integers(-3, 10**6) | st.text(max_size=5),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                                 max_size=3), max_leaves=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_our_schema_check_agrees_with_jsonschema(doc, data):
    """Mutate one value anywhere in a real trace: our interpreter of the schema and the reference library agree
    on whether it conforms, and loading never raises anything but InvalidTrace."""
    d = copy.deepcopy(doc)
    node, keys = d, []
    while isinstance(node, (dict, list)) and node and data.draw(st.booleans(), label="deeper"):
        key = data.draw(st.sampled_from(sorted(node) if isinstance(node, dict) else list(range(len(node)))))
        keys.append(key)
        if not isinstance(node[key], (dict, list)) or not node[key]:
            break
        node = node[key]
    if keys:
        parent = d
        for k in keys[:-1]:
            parent = parent[k]
        parent[keys[-1]] = data.draw(_json, label="value")
    ours = first_error(d) is None
    theirs = jsonschema.Draft202012Validator(trace_schema()).is_valid(d)
    assert ours == theirs, first_error(d)
    try:
        load_trace_text(json.dumps(d))
    except InvalidTrace as e:
        assert "\n" not in str(e)
