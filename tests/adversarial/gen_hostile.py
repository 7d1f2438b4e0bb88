#!/usr/bin/env python3
"""Makes the hostile files of the adversarial suite (tests/adversarial/run.sh).

    gen_hostile.py GOOD_MODEL GOOD_PNG GOOD_LOG OUT_DIR

From one good model, image and training log it writes broken and malicious
variants: model files (m_*.safetensors), images (p_*.png), logs (l_*.log)
and per-layer configs (c_*.cfg). Each name says what is wrong with it.
"""
import json
import struct
import sys
import zlib


def read_model(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    return json.loads(b[8:8 + n]), b[8 + n:]


def model_bytes(header_text, data):
    h = header_text.encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(w, h, depth=8, colour=0, rows=None, ihdr_extra=b"\0\0\0"):
    ihdr = struct.pack(">IIBB", w, h, depth, colour) + ihdr_extra
    if rows is None:
        rows = b"".join(b"\0" + bytes([255 if (x + y) % 7 else 0 for x in range(w)])
                        for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) +
            png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b""))


def main():
    model, png_path, log_path, out = sys.argv[1:5]
    head, data = read_model(model)
    meta = head["__metadata__"]

    def put(name, blob):
        open(f"{out}/{name}", "wb").write(blob)

    def variant(name, change=None, text=None, payload=data):
        h = json.loads(json.dumps(head))
        if change:
            change(h)
        put(name, model_bytes(text if text is not None else json.dumps(h), payload))

    good = model_bytes(json.dumps(head), data)
    put("m_empty.safetensors", b"")
    put("m_five_bytes.safetensors", good[:5])
    put("m_header_2e63.safetensors", struct.pack("<Q", 1 << 63) + good[8:])
    put("m_header_past_end.safetensors", struct.pack("<Q", len(good)) + good[8:])
    put("m_header_zero.safetensors", struct.pack("<Q", 0) + good[8:])
    put("m_data_cut.safetensors", good[:-100])
    put("m_data_extra.safetensors", good + b"\0" * 64)
    put("m_text.safetensors", b"this is not a model\n" * 10)
    put("m_png.safetensors", open(png_path, "rb").read())
    variant("m_json_broken.safetensors", text=json.dumps(head)[:-2])
    variant("m_json_deep.safetensors", text="[" * 5000 + "]" * 5000)
    variant("m_json_nul.safetensors", text=json.dumps(head).replace('"tiny"', '"ti\0y"'))
    variant("m_json_array.safetensors", text="[1,2,3]")
    dup_key = json.dumps(head)
    dup_key = dup_key[:-1] + ', "conv1.bias": ' + json.dumps(head["conv1.bias"]) + "}"
    variant("m_dup_tensor_key.safetensors", text=dup_key)
    dup_meta = json.dumps(head).replace('"head_bias": "1"', '"head_bias": "1", "head_bias": "0"')
    variant("m_dup_meta_key.safetensors", text=dup_meta)

    def set_meta(key, value):
        def f(h):
            if value is None:
                del h["__metadata__"][key]
            else:
                h["__metadata__"][key] = value
        return f

    variant("m_head_bias_2.safetensors", set_meta("head_bias", "2"))
    variant("m_loss_hinge.safetensors", set_meta("loss", "hinge"))
    variant("m_seed_fraction.safetensors", set_meta("seed", "1.5"))
    variant("m_margin_nan.safetensors", set_meta("margin", "nan"))
    variant("m_best_epoch_negative.safetensors", set_meta("best_epoch", "-3"))
    variant("m_no_format.safetensors", set_meta("format", None))
    variant("m_other_format.safetensors", set_meta("format", "pytorch"))
    variant("m_version_9.safetensors", set_meta("format_version", "9"))
    variant("m_layers_garbage.safetensors", set_meta("layers", "conv:x:y,,pool"))
    variant("m_layers_empty.safetensors", set_meta("layers", ""))
    # A 28 KB file claiming koch105 (38,951,745 parameters): refused by its
    # tensor table before anything is reserved for the claim.
    def koch105(h):
        h["__metadata__"]["layers"] = ("conv:64:10,relu,pool,conv:128:7,relu,pool,conv:128:4,"
                                       "relu,pool,conv:256:4,relu,linear:4096,sigmoid")
        h["__metadata__"]["input"] = "1x105x105"
    variant("m_layers_koch105.safetensors", koch105)
    variant("m_layers_100000_channels.safetensors",
            set_meta("layers", meta["layers"].replace("conv:8:5", "conv:100000:5")))
    variant("m_input_2d.safetensors", set_meta("input", "28x28"))
    variant("m_input_huge.safetensors", set_meta("input", "1x99999999x99999999"))
    variant("m_input_zero.safetensors", set_meta("input", "1x0x28"))
    variant("m_meta_number.safetensors", text=json.dumps(head).replace('"seed": "1"', '"seed": 1'))
    variant("m_meta_not_object.safetensors", lambda h: h.update({"__metadata__": ["x"]}))

    def set_tensor(name, key, value):
        def f(h):
            if value is None:
                del h[name]
            else:
                h[name][key] = value
        return f

    variant("m_dtype_f16.safetensors", set_tensor("conv1.weight", "dtype", "F16"))
    variant("m_dtype_missing.safetensors", lambda h: h["conv1.weight"].pop("dtype"))
    # head.bias is last: without it and its 4 bytes the rest still tiles.
    variant("m_tensor_missing.safetensors", set_tensor("head.bias", None, None), payload=data[:-4])
    variant("m_tensor_extra.safetensors",
            lambda h: h.update({"evil.weight": {"dtype": "F32", "shape": [1],
                                                "data_offsets": [len(data), len(data) + 4]}}),
            payload=data + b"\0\0\0\0")
    variant("m_shape_wrong.safetensors", set_tensor("conv1.weight", "shape", [8, 1, 25]))
    variant("m_shape_negative.safetensors", set_tensor("conv1.bias", "shape", [-8]))
    variant("m_shape_2e40.safetensors", set_tensor("conv1.bias", "shape", [1 << 40]))
    variant("m_offsets_reversed.safetensors", set_tensor("conv1.bias", "data_offsets", [832, 800]))
    variant("m_offsets_past_end.safetensors",
            set_tensor("head.bias", "data_offsets", [26688, 26688 + (1 << 40)]))
    variant("m_offsets_overlap.safetensors", set_tensor("conv1.bias", "data_offsets", [0, 32]))
    variant("m_offsets_fraction.safetensors", set_tensor("conv1.bias", "data_offsets", [800.5, 832]))
    nan = bytearray(data)
    nan[0:4] = struct.pack("<f", float("nan"))
    put("m_nan_weight.safetensors", model_bytes(json.dumps(head), bytes(nan)))
    inf = bytearray(data)
    inf[-4:] = struct.pack("<f", float("inf"))
    put("m_inf_bias.safetensors", model_bytes(json.dumps(head), bytes(inf)))
    # Printed, not refused: escapes in free-text metadata reach info escaped.
    variant("m_escape_in_preset.safetensors", set_meta("preset", "tiny\x1b[2J\nFAKE: line"))
    variant("m_unknown_meta_key.safetensors", set_meta("comment", "made by someone else"))

    # ---- images ----
    good_png = open(png_path, "rb").read()
    put("p_empty.png", b"")
    put("p_signature_only.png", good_png[:8])
    put("p_cut.png", good_png[:len(good_png) // 2])
    put("p_text.png", b"GIF89a not a png\n")
    put("p_jpeg_magic.png", b"\xff\xd8\xff\xe0" + b"\0" * 100)
    bad_crc = bytearray(good_png)
    bad_crc[29] ^= 0xFF  # inside the IHDR CRC
    put("p_bad_crc.png", bytes(bad_crc))
    put("p_zero_width.png", png(0, 10, rows=b""))
    put("p_1x1.png", png(1, 1))
    put("p_4x4.png", png(4, 4))
    put("p_huge_header.png", png(100000, 100000, rows=b"\0" * 10))
    put("p_depth_3.png", png(10, 10, depth=3))
    put("p_colour_5.png", png(10, 10, colour=5))
    put("p_interlace_7.png", png(10, 10, ihdr_extra=b"\0\0\7"))
    put("p_idat_short.png", png(40, 40, rows=b"\0" * 100))
    put("p_zlib_bomb.png", png(30000, 30000, rows=b"\0" * (30001 * 200)))
    put("p_wide_500x20.png", png(500, 20))
    put("p_rgba_40.png", png(40, 40, colour=6, rows=b"".join(
        b"\0" + bytes([200, 30, 30, 255] * 40) for _ in range(40))))
    put("p_grey16_40.png", png(40, 40, depth=16, rows=b"".join(
        b"\0" + b"\xff\xff\0\0" * 20 for _ in range(40))))

    # ---- training logs for plot ----
    log = open(log_path, "rb").read()
    put("l_empty.log", b"")
    put("l_binary.log", bytes(range(256)) * 64)
    put("l_no_newline.log", b"{" * 100000)
    put("l_long_line.log", b'{"type":"step","loss":' + b"1" * 1000000 + b"}\n")
    lines = log.decode().splitlines()
    for name, value in (("nan", "nan"), ("inf", "inf"), ("1e300", "1e300"), ("neg", "-5")):
        out_lines = [l.replace('"val_accuracy":', f'"val_accuracy":{value},"x":') for l in lines]
        put(f"l_val_{name}.log", ("\n".join(out_lines) + "\n").encode())
    put("l_time_backwards.log", ("\n".join(reversed(lines)) + "\n").encode())
    put("l_escape.log", b'{"type":"step","loss":"\x1b[2J","time":1}\n' + log)

    # ---- per-layer configs ----
    put("c_unknown_layer.cfg", b"conv9 lr=0.1\n")
    put("c_unknown_key.cfg", b"default speed=3\n")
    put("c_not_number.cfg", b"default lr=fast\n")
    put("c_nan.cfg", b"default lr=nan\n")
    put("c_momentum_1.cfg", b"default momentum=1\n")
    put("c_momentum_rounds_to_1.cfg", b"default momentum=0.99999999\n")
    put("c_negative.cfg", b"conv1 l2=-1\n")
    put("c_no_equals.cfg", b"default lr\n")
    put("c_binary.cfg", b"default lr=0.1\0\n")
    put("c_2mib.cfg", b"# padding\n" * 210000)


if __name__ == "__main__":
    main()
