#!/usr/bin/env python3
"""Builds the fuzz seed corpora in tests/fuzz/corpus/<target>/ from the shared reference vectors.

Usage: tests/fuzz/make_corpus.py [VECTORS_DIR]
  (default: $SOVEREIGN_VECTORS, else ../shared/vectors beside the repository, else two levels up for worktrees)
Each seed file is named by the SHA-1 of its content, as libFuzzer names its own, so reruns are idempotent.
"""
import base64
import hashlib
import json
import os
import re
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

def default_vectors():
    if os.environ.get("SOVEREIGN_VECTORS"):
        return os.environ["SOVEREIGN_VECTORS"]
    for up in ("..", os.path.join("..", "..")):
        d = os.path.join(ROOT, up, "shared", "vectors")
        if os.path.isdir(d):
            return d
    sys.exit("make_corpus: vectors not found; pass the directory")


VECTORS = sys.argv[1] if len(sys.argv) > 1 else default_vectors()
OUT = os.path.join(HERE, "corpus")


def vec(rel):
    return os.path.join(VECTORS, rel)


def load(rel):
    with open(vec(rel), "rb") as f:
        return json.load(f)


# ---- a small reader of the serialization, enough to split blocks into transactions -------------------------

class Reader:
    def __init__(self, b):
        self.b, self.p = b, 0

    def take(self, n):
        if self.p + n > len(self.b):
            raise ValueError("end of data")
        out = self.b[self.p:self.p + n]
        self.p += n
        return out

    def compact(self):
        first = self.take(1)[0]
        if first < 253:
            return first
        return int.from_bytes(self.take({253: 2, 254: 4, 255: 8}[first]), "little")

    def tx(self):
        """Reads one transaction (BIP144 aware); returns (raw bytes, [(prev txid bytes, index)])."""
        start = self.p
        self.take(4)
        n_in = self.compact()
        witness = False
        if n_in == 0:
            flags = self.take(1)[0]
            witness = flags == 1
            n_in = self.compact()
        prevouts = []
        for _ in range(n_in):
            txid, idx = self.take(32), int.from_bytes(self.take(4), "little")
            prevouts.append((txid, idx))
            self.take(self.compact())
            self.take(4)
        for _ in range(self.compact()):
            self.take(8)
            self.take(self.compact())
        if witness:
            for _ in range(n_in):
                for _ in range(self.compact()):
                    self.take(self.compact())
        self.take(4)
        return self.b[start:self.p], prevouts


def compact(n):
    if n < 253:
        return bytes([n])
    if n <= 0xffff:
        return b"\xfd" + struct.pack("<H", n)
    if n <= 0xffffffff:
        return b"\xfe" + struct.pack("<I", n)
    return b"\xff" + struct.pack("<Q", n)


# ---- Core's ParseScript test syntax (the vectors' "asm"), opcode names taken from our script.h --------------

def opcode_table():
    names = {}
    with open(os.path.join(ROOT, "src", "primitives", "script.h")) as f:
        for m in re.finditer(r"\b(OP_[A-Z0-9_]+)\s*=\s*(0x[0-9a-fA-F]+|OP_[A-Z0-9_]+)\s*,", f.read()):
            name, val = m.group(1), m.group(2)
            names[name] = int(val, 16) if val.startswith("0x") else names.get(val)
    table = {}
    for name, op in names.items():
        # As Core: push-value opcodes other than OP_RESERVED are written as numbers, not names.
        if op is None or (op < 0x61 and op != 0x50):
            continue
        table[name] = op
        table[name[3:]] = op
    return table


OPCODES = opcode_table()


def push(data):
    n = len(data)
    if n < 0x4c:
        return bytes([n]) + data
    if n <= 0xff:
        return b"\x4c" + bytes([n]) + data
    if n <= 0xffff:
        return b"\x4d" + struct.pack("<H", n) + data
    return b"\x4e" + struct.pack("<I", n) + data


def scriptnum(n):
    if n == 0:
        return b""
    neg, a, out = n < 0, abs(n), bytearray()
    while a:
        out.append(a & 0xff)
        a >>= 8
    if out[-1] & 0x80:
        out.append(0x80 if neg else 0)
    elif neg:
        out[-1] |= 0x80
    return bytes(out)


def parse_asm(text):
    out = bytearray()
    for w in text.split():
        if re.fullmatch(r"-?\d+", w):
            n = int(w)
            if n == -1 or 1 <= n <= 16:
                out.append(n + 0x50)
            elif n == 0:
                out.append(0)
            else:
                out += push(scriptnum(n))
        elif w.startswith("0x") and len(w) > 2:
            out += bytes.fromhex(w[2:])
        elif len(w) >= 2 and w[0] == "'" and w[-1] == "'":
            out += push(w[1:-1].encode())
        elif w in OPCODES:
            out.append(OPCODES[w])
        else:
            raise ValueError("unknown token " + w)
    return bytes(out)


# ---- corpora -----------------------------------------------------------------------------------------------

corpora = {}


def add(target, data):
    if isinstance(data, str):
        data = data.encode("latin-1")
    corpora.setdefault(target, set()).add(bytes(data))


def tx_rows(rel):
    for row in load(rel):
        if isinstance(row[0], list):
            yield row


FLAG_BITS = ["P2SH", "STRICTENC", "DERSIG", "LOW_S", "NULLDUMMY", "SIGPUSHONLY", "MINIMALDATA",
             "DISCOURAGE_UPGRADABLE_NOPS", "CLEANSTACK", "CHECKLOCKTIMEVERIFY", "CHECKSEQUENCEVERIFY", "WITNESS",
             "DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM", "MINIMALIF", "NULLFAIL", "WITNESS_PUBKEYTYPE",
             "CONST_SCRIPTCODE", "TAPROOT", "DISCOURAGE_UPGRADABLE_TAPROOT_VERSION", "DISCOURAGE_OP_SUCCESS",
             "DISCOURAGE_UPGRADABLE_PUBKEYTYPE"]


def flag_bits(names):
    bits = 0
    for n in filter(None, names.split(",")):
        if n in FLAG_BITS:
            bits |= 1 << FLAG_BITS.index(n)
    return bits


def script_eval_seed(tx_raw, verify_flags, fuzzed_flags, spent):
    """The script_eval input: tx (with witness) | u32 verify flags | u32 fuzzed flags | one TxOut per input."""
    out = bytearray(tx_raw) + struct.pack("<II", verify_flags, fuzzed_flags)
    for amount, spk in spent:
        out += struct.pack("<q", amount) + compact(len(spk)) + spk
    return bytes(out)


ALL_FLAGS = (1 << len(FLAG_BITS)) - 1


def transactions():
    for rel, valid in (("bitcoin-core/tx_valid.json", True), ("bitcoin-core/tx_invalid.json", False)):
        for row in tx_rows(rel):
            raw = bytes.fromhex(row[1])
            add("transaction", raw)
            try:
                _, prevouts = Reader(raw).tx()
                table = {}
                for p in row[0]:
                    idx = 0xffffffff if p[1] == -1 else p[1]
                    table[(bytes.fromhex(p[0])[::-1], idx)] = (p[3] if len(p) > 3 else 0, parse_asm(p[2]))
                spent = [table[(t, i)] for t, i in prevouts]
            except (ValueError, KeyError):
                continue
            flags = ALL_FLAGS & ~flag_bits(row[2]) if valid else flag_bits(row[2])
            add("script_eval", script_eval_seed(raw, flags, 0x11 if valid else 0x800, spent))
    for row in load("bitcoin-core/sighash.json")[1:41]:
        add("transaction", bytes.fromhex(row[0]))
    bip341 = load("bitcoin-core/bip341_wallet_vectors.json")
    for case in bip341["keyPathSpending"]:
        unsigned = bytes.fromhex(case["given"]["rawUnsignedTx"])
        signed = bytes.fromhex(case["auxiliary"]["fullySignedTx"])
        add("transaction", unsigned)
        add("transaction", signed)
        spent = [(u["amountSats"], bytes.fromhex(u["scriptPubKey"])) for u in case["given"]["utxosSpent"]]
        # Taproot needs every spent output; P2SH|WITNESS|TAPROOT and friends.
        add("script_eval", script_eval_seed(signed, ALL_FLAGS, 0x20000, spent))
    # A few real transactions of block 413567 (coinbase, small and large ones).
    with open(vec("bitcoin-core/block413567.raw"), "rb") as f:
        block = f.read()
    r = Reader(block)
    r.take(80)
    txs = [r.tx()[0] for _ in range(r.compact())]
    for raw in txs[:12] + sorted(txs, key=len)[-3:]:
        add("transaction", raw)
    return block, txs


def blocks(block413567, txs):
    add("block", block413567[:80])
    # A small block built from block 413567's header and first transactions (merkle root aside, well formed).
    for n in (1, 3):
        add("block", block413567[:80] + compact(n) + b"".join(txs[:n]))
    stats = load("bitcoin-core/rpc_getblockstats.json")["blocks"]
    for raw in stats[:2] + stats[-4:]:  # regtest genesis, early blocks, and the last ones with segwit spends
        add("block", bytes.fromhex(raw))
    for row in load("bitcoin-core/blockfilters.json")[1:]:
        add("block", bytes.fromhex(row[2]))


def compact_sizes():
    for data in ("00", "fc", "fdfd00", "fdffff", "fe00000100", "feffffffff", "ff0000000001000000",
                 "ffffffffffffffffff", "fdfc00", "fe0000000200", "020141024142", "03000101ff",
                 "0102", "fe00000002" + "00" * 8, "20" + "11" * 32):
        add("compact_size", bytes.fromhex(data))


def addresses():
    for row in load("bitcoin-core/key_io_valid.json"):
        add("address", row[0])
    for row in load("bitcoin-core/key_io_invalid.json"):
        add("address", row[0])
    for row in load("bitcoin-core/base58_encode_decode.json"):
        add("address", row[1])
    bech = load("bips/bech32_vectors.json")
    for bip in ("bip173", "bip350"):
        for group in bech[bip].values():
            for item in group if isinstance(group, list) else []:
                if isinstance(item, dict):
                    if "hex" in item:
                        add("address", bytes.fromhex(item["hex"]))
                    elif "address" in item:
                        add("address", item["address"])


def script_asms():
    rows = [r for r in load("bitcoin-core/script_tests.json") if len(r) >= 4]
    for row in rows[::6]:
        off = 1 if isinstance(row[0], list) else 0
        add("script_asm", row[off])
        add("script_asm", row[off + 1])
    for script_hex, _ in load("bitcoin-core/rpc_decodescript.json"):
        add("script_asm", bytes.fromhex(script_hex))


def descriptors():
    # Seeds: a chain byte (0 main, 1 testnet, 2 regtest) then the text.
    d = load("bips/descriptors_vectors.json")
    for bip, v in d.items():
        if not bip.startswith("bip"):
            continue
        for group in v.values():
            for item in group:
                text = item.get("descriptor") or item.get("key_expression")
                if text and "key_expression" in item:
                    text = "pk(" + text + ")"
                if text:
                    add("descriptor", b"\x00" + text.encode())
    for e in load("bitcoin-core/rpc_bip67.json"):
        add("descriptor", b"\x02" + ("sh(sortedmulti(2," + ",".join(e["keys"]) + "))").encode())


def miniscripts():
    # Seeds: a context byte (0 P2WSH, 1 Tapscript) then the text, from the miniscript unit-test cases.
    inc = os.path.join(HERE, "..", "descriptor", "miniscript_cases.inc")
    for line in open(inc):
        m = re.match(r'\{"([^"]*)"', line)
        if m:
            add("miniscript", b"\x00" + m.group(1).encode())
            add("miniscript", b"\x01" + m.group(1).encode())
            # ...and as descriptors: in wsh() and as a tr() leaf.
            add("descriptor", b"\x00" + ("wsh(" + m.group(1) + ")").encode())
            add("descriptor", b"\x02" + ("tr(02d7924d4f7d43ea965a465ae3095ff41131e5946f3c85f79e44adbcf8e27e080e,"
                                          + m.group(1) + ")").encode())


def tx_tool_args():
    for case in load("bitcoin-core/util/bitcoin-util-test.json"):
        if case["exec"].endswith("bitcoin-tx"):
            add("tx_tool", "\n".join(case["args"]))


def psbts():
    rpc = load("bitcoin-core/rpc_psbt.json")
    texts = rpc["invalid"] + rpc["valid"] + [pair[0] for pair in rpc["invalid_with_msg"]]
    for name in ("psbt_bip174_vectors.json", "psbt_bip370_vectors.json", "psbt_bip371_vectors.json"):
        for group in load("bips/" + name)["groups"]:
            texts += [case["base64"] for case in group["cases"]]
    for text in texts:
        try:
            add("psbt", base64.b64decode(text, validate=True))
        except ValueError:
            pass


def electrum_requests():
    """Electrum protocol messages (first byte: the rate-limit budget, 255 = none), one per method and some
    malformed ones; the scripthash is Electrum's for P2WSH(OP_TRUE), the outputs of the fuzz target's chain."""
    sh = "5c4430ceb6dafeed32dd97588979e78cb6ceab6787cd38f1da96eb4cbd081a40"
    genesis = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"
    reqs = [
        ["server.version", ["fuzz", "1.4"]], ["server.version", ["fuzz", ["1.2", "1.4"]]], ["server.banner", []],
        ["server.features", []], ["server.ping", []], ["server.donation_address", []], ["server.peers.subscribe", []],
        ["blockchain.headers.subscribe", []], ["blockchain.block.header", [5]], ["blockchain.block.header", [3, 10]],
        ["blockchain.block.headers", [0, 20, 50]], ["blockchain.estimatefee", [2]], ["blockchain.relayfee", []],
        ["mempool.get_fee_histogram", []], ["blockchain.scripthash.get_balance", [sh]],
        ["blockchain.scripthash.get_history", [sh]], ["blockchain.scripthash.get_mempool", [sh]],
        ["blockchain.scripthash.listunspent", [sh]], ["blockchain.scripthash.subscribe", [sh]],
        ["blockchain.scripthash.unsubscribe", [sh]], ["blockchain.transaction.get", [genesis, True]],
        ["blockchain.transaction.get_merkle", [genesis, 1]], ["blockchain.transaction.id_from_pos", [1, 0, True]],
        ["blockchain.transaction.broadcast", ["0200000000010000000000"]],
    ]
    seeds = []
    for i, (method, params) in enumerate(reqs):
        seeds.append(b"\xff" + json.dumps({"jsonrpc": "2.0", "id": i, "method": method, "params": params}).encode())
    named = {"jsonrpc": "2.0", "id": "n", "method": "blockchain.block.header", "params": {"height": 2, "cp_height": 8}}
    seeds.append(b"\xff" + json.dumps(named).encode())
    batch = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(reqs[:6])]
    seeds.append(b"\x03" + json.dumps(batch).encode())
    seeds += [b"\xff{", b"\xff[]", b"\xff[1,2]", b'\xff{"id":[1],"method":"server.ping"}',
              b'\xff{"method":"server.ping"}', b'\x00{"id":1,"method":"server.ping"}']
    corpora["electrum"] = seeds


def main():
    block, txs = transactions()
    psbts()
    blocks(block, txs)
    compact_sizes()
    addresses()
    script_asms()
    descriptors()
    miniscripts()
    tx_tool_args()
    electrum_requests()
    total = 0
    for target, seeds in sorted(corpora.items()):
        d = os.path.join(OUT, target)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for s in seeds:
            with open(os.path.join(d, hashlib.sha1(s).hexdigest()), "wb") as f:
                f.write(s)
        size = sum(len(s) for s in seeds)
        total += size
        print(f"{target}: {len(seeds)} seeds, {size} bytes")
    print(f"total: {total} bytes")


if __name__ == "__main__":
    main()
