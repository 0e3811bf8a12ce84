/* Consult: check the proof of receipt in the evidence record, in the visitor's browser.
 *
 * The page carries the proof (data-record-proof): the event's exact bytes, its audit path,
 * the signed checkpoint (a C2SP signed note) and the public key. This script recomputes,
 * with WebCrypto only and trusting nothing the server calculated:
 *   1. the event is the arrival of this submission (its code and content hash);
 *   2. the leaf hash, SHA-256(0x00 || event bytes);
 *   3. the root, from the leaf and the audit path (RFC 9162, section 2.1.3.2), with
 *      node hashes SHA-256(0x01 || left || right), and compares it with the signed root;
 *   4. the Ed25519 signature of the note with the public key, where the browser can;
 *   5. the promise signed on arrival names this leaf, and its signature is genuine.
 * It says the result in the live region (role="status"). Without it, the page explains how
 * to check the proof elsewhere.
 *
 * Then it remembers the checkpoint it checked (origin, tree size, root hash) in this
 * browser's localStorage, one per log origin. On a later visit it fetches the RFC 9162
 * consistency proof from the remembered size to the checkpoint on the page and checks it
 * (section 2.1.4.2) against the remembered root, which the server cannot change: so the
 * participant sees whether the record was only added to since, or whether its history was
 * rewritten. A failure keeps the old memory, so the warning stays until someone looks.
 */
(function () {
  "use strict";

  function fromBase64(text) {
    var binary = atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes;
  }

  function fromHex(text) {
    if (!/^([0-9a-f]{2})*$/.test(text)) {
      throw new Error("not hex: " + text);
    }
    var bytes = new Uint8Array(text.length / 2);
    for (var i = 0; i < bytes.length; i += 1) {
      bytes[i] = parseInt(text.substr(i * 2, 2), 16);
    }
    return bytes;
  }

  function toHex(bytes) {
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function concat(parts) {
    var length = parts.reduce(function (sum, part) {
      return sum + part.length;
    }, 0);
    var joined = new Uint8Array(length);
    var offset = 0;
    parts.forEach(function (part) {
      joined.set(part, offset);
      offset += part.length;
    });
    return joined;
  }

  function sha256(bytes) {
    return crypto.subtle.digest("SHA-256", bytes).then(function (digest) {
      return new Uint8Array(digest);
    });
  }

  function leafHash(entry) {
    return sha256(concat([new Uint8Array([0]), entry]));
  }

  function nodeHash(left, right) {
    return sha256(concat([new Uint8Array([1]), left, right]));
  }

  function equal(a, b) {
    if (a.length !== b.length) {
      return false;
    }
    for (var i = 0; i < a.length; i += 1) {
      if (a[i] !== b[i]) {
        return false;
      }
    }
    return true;
  }

  // RFC 9162 2.1.3.2: the root that leaf `index` of a tree of `size` leaves and its audit
  // path give, or null when the path cannot belong to such a tree. Sizes may exceed 2^31,
  // so halving is done with division, not bit shifts.
  async function rootFromPath(index, size, leaf, path) {
    if (!(index >= 0 && index < size)) {
      return null;
    }
    var fn = index;
    var sn = size - 1;
    var r = leaf;
    for (var i = 0; i < path.length; i += 1) {
      var p = path[i];
      if (sn === 0) {
        return null;
      }
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if (fn % 2 === 0) {
          while (fn !== 0 && fn % 2 === 0) {
            fn = Math.floor(fn / 2);
            sn = Math.floor(sn / 2);
          }
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }

  // A C2SP signed note: the signed text (up to and with the newline before the blank
  // line) and its signature lines ("— <name> <base64 of 4-byte key hash || signature>").
  function parseNote(note) {
    var split = note.indexOf("\n\n");
    if (split < 0) {
      return null;
    }
    var text = note.slice(0, split + 1);
    var lines = text.split("\n");
    var signatures = note
      .slice(split + 2)
      .split("\n")
      .filter(function (line) {
        return line.indexOf("\u2014 ") === 0;
      })
      .map(function (line) {
        var parts = line.split(" ");
        return { name: parts[1], bytes: fromBase64(parts[2]) };
      });
    return {
      text: text,
      origin: lines[0],
      size: lines[1],
      root: lines[2],
      signatures: signatures,
    };
  }

  async function signatureValid(publicKey, signed, signature) {
    var key;
    try {
      key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, [
        "verify",
      ]);
    } catch (error) {
      return null; // this browser has no Ed25519 in WebCrypto
    }
    return crypto.subtle.verify({ name: "Ed25519" }, key, signature, signed);
  }

  async function keyHash(name, publicKey) {
    var encoder = new TextEncoder();
    var digest = await sha256(
      concat([encoder.encode(name + "\n"), new Uint8Array([1]), publicKey]),
    );
    return digest.slice(0, 4);
  }

  // C2SP tlog-cosignature/v1 (Ed25519): the names of the witnesses whose cosignature of
  // the checkpoint verifies ("cosignature/v1", the time line, then the checkpoint's text);
  // null when this browser cannot check Ed25519.
  async function cosignedBy(cosignatures, text) {
    var encoder = new TextEncoder();
    var names = [];
    for (var i = 0; i < cosignatures.length; i += 1) {
      var entry = cosignatures[i];
      var parts = String(entry.vkey).split("+");
      var fields = String(entry.line).replace(/\n$/, "").split(" ");
      var raw = parts.length >= 3 ? fromBase64(parts.slice(2).join("+")) : new Uint8Array(0);
      if (raw.length !== 33 || raw[0] !== 4 || fields.length !== 3 || fields[1] !== parts[0]) {
        continue;
      }
      var publicKey = raw.slice(1);
      var id = (
        await sha256(concat([encoder.encode(parts[0] + "\n"), new Uint8Array([4]), publicKey]))
      ).slice(0, 4);
      var blob = fromBase64(fields[2]);
      if (blob.length !== 76 || !equal(blob.slice(0, 4), id)) {
        continue;
      }
      var time = 0;
      for (var j = 4; j < 12; j += 1) {
        time = time * 256 + blob[j];
      }
      var message = encoder.encode("cosignature/v1\ntime " + time + "\n" + text);
      var valid = await signatureValid(publicKey, message, blob.slice(12));
      if (valid === null) {
        return null;
      }
      if (valid) {
        names.push(parts[0]);
      }
    }
    return names;
  }

  function sayCosigned(region, data, names) {
    if (!names || names.length === 0) {
      return;
    }
    var paragraph = document.createElement("p");
    paragraph.className = "utrecht-paragraph";
    paragraph.setAttribute("data-record-cosigned", String(names.length));
    paragraph.textContent = data
      .getAttribute("data-text-cosigned")
      .split("{count}")
      .join(String(names.length))
      .split("{names}")
      .join(names.join(", "));
    region.appendChild(paragraph);
  }

  // "ok", "ok-unsigned", "bad-event", "bad-root", "bad-signature" or "bad-promise" (it throws for a
  // proof it cannot read: "bad-format").
  async function check(proof, trackingCode, contentHash) {
    var entry = fromBase64(proof.event.canonical_b64);
    var event = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(entry));
    var payload = event.payload || {};
    if (
      event.kind !== "submission_received" ||
      !event.object ||
      event.object.id !== trackingCode ||
      event.leaf_index !== proof.inclusion.leaf_index ||
      (payload.content_hash && contentHash && payload.content_hash !== contentHash)
    ) {
      return "bad-event";
    }
    var leaf = await leafHash(entry);
    var path = proof.inclusion.audit_path.map(fromHex);
    var size = proof.inclusion.tree_size;
    var root = await rootFromPath(proof.inclusion.leaf_index, size, leaf, path);
    var checkpoint = proof.checkpoint;
    var note = parseNote(checkpoint.note || "");
    if (
      root === null ||
      note === null ||
      note.size !== String(size) ||
      checkpoint.tree_size !== size ||
      !equal(fromBase64(note.root), root) ||
      toHex(root) !== checkpoint.root_hash
    ) {
      return "bad-root";
    }
    if (!proof.public_key) {
      return "bad-signature";
    }
    var publicKey = fromBase64(proof.public_key.public_key);
    var expectedHash = await keyHash(note.origin, publicKey);
    var signature = note.signatures.filter(function (s) {
      return s.name === note.origin && s.bytes.length === 68 && equal(s.bytes.slice(0, 4), expectedHash);
    })[0];
    if (!signature) {
      return "bad-signature";
    }
    var valid = await signatureValid(
      publicKey,
      new TextEncoder().encode(note.text),
      signature.bytes.slice(4),
    );
    if (valid === false) {
      return "bad-signature";
    }
    if (proof.promise && proof.promise.note) {
      var kept = await promiseKept(proof.promise.note, note.origin, proof.inclusion, leaf, publicKey);
      if (kept === false) {
        return "bad-promise";
      }
    }
    return valid === null ? "ok-unsigned" : "ok";
  }

  // The promise signed on arrival ("consult-promise/v1", origin, leaf index, base64 leaf
  // hash, time) is kept when it names this log, this leaf index and this leaf hash, which
  // the checkpoint above was just shown to hold, and its signature is genuine. true,
  // false, or null when this browser cannot check signatures.
  async function promiseKept(text, origin, inclusion, leaf, publicKey) {
    var promise = parseNote(text);
    if (promise === null) {
      return false;
    }
    var lines = promise.text.split("\n");
    if (
      lines[0] !== "consult-promise/v1" ||
      lines[1] !== origin ||
      lines[2] !== String(inclusion.leaf_index) ||
      !equal(fromBase64(lines[3]), leaf)
    ) {
      return false;
    }
    var expectedHash = await keyHash(origin, publicKey);
    var signature = promise.signatures.filter(function (s) {
      return s.name === origin && s.bytes.length === 68 && equal(s.bytes.slice(0, 4), expectedHash);
    })[0];
    if (!signature) {
      return false;
    }
    return signatureValid(
      publicKey,
      new TextEncoder().encode(promise.text),
      signature.bytes.slice(4),
    );
  }

  // RFC 9162 2.1.4.2: whether `proof` shows that the tree of `first` leaves with root
  // `firstRoot` is a prefix of the tree of `second` leaves with root `secondRoot`.
  async function consistent(first, second, firstRoot, secondRoot, proof) {
    if (!(first > 0 && first <= second)) {
      return false;
    }
    if (first === second) {
      return proof.length === 0 && equal(firstRoot, secondRoot);
    }
    var path = proof.slice();
    if (path.length === 0) {
      return false;
    }
    var fn = first - 1;
    var sn = second - 1;
    var odd = first;
    while (odd > 1 && odd % 2 === 0) {
      odd /= 2;
    }
    if (odd === 1) {
      path.unshift(firstRoot);
    }
    while (fn % 2 === 1) {
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    var fr = path[0];
    var sr = path[0];
    for (var i = 1; i < path.length; i += 1) {
      var c = path[i];
      if (sn === 0) {
        return false;
      }
      if (fn % 2 === 1 || fn === sn) {
        fr = await nodeHash(c, fr);
        sr = await nodeHash(c, sr);
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else {
        sr = await nodeHash(sr, c);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 && equal(fr, firstRoot) && equal(sr, secondRoot);
  }

  var MEMORY_PREFIX = "consult-record-checkpoint:";

  function recall(origin) {
    try {
      var remembered = JSON.parse(window.localStorage.getItem(MEMORY_PREFIX + origin));
      if (
        remembered &&
        remembered.origin === origin &&
        typeof remembered.tree_size === "number" &&
        remembered.tree_size > 0 &&
        /^[0-9a-f]{64}$/.test(remembered.root_hash)
      ) {
        return remembered;
      }
    } catch (error) {
      // nothing usable remembered
    }
    return null;
  }

  function remember(origin, size, root) {
    window.localStorage.setItem(
      MEMORY_PREFIX + origin,
      JSON.stringify({ origin: origin, tree_size: size, root_hash: root }),
    );
  }

  // "memory-first", "memory-same", "memory-ok", "memory-bad" or "memory-unproven": what the
  // remembered checkpoint says about the one on the page (which `check` has just verified).
  async function compareWithMemory(proof, consistencyUrl) {
    var note = parseNote(proof.checkpoint.note);
    var origin = note.origin;
    var size = proof.checkpoint.tree_size;
    var root = proof.checkpoint.root_hash;
    var before = recall(origin);
    if (before === null) {
      remember(origin, size, root);
      return { outcome: "memory-first", old: size, now: size };
    }
    var facts = { old: before.tree_size, now: size };
    if (before.tree_size > size) {
      facts.outcome = "memory-bad"; // the record shrank
      return facts;
    }
    if (before.tree_size === size) {
      facts.outcome = before.root_hash === root ? "memory-same" : "memory-bad";
      return facts;
    }
    var answer;
    try {
      var response = await fetch(
        consistencyUrl + "?van=" + before.tree_size + "&tot=" + size,
        { headers: { Accept: "application/json" }, credentials: "omit" },
      );
      if (!response.ok) {
        facts.outcome = "memory-unproven";
        return facts;
      }
      answer = await response.json();
    } catch (error) {
      facts.outcome = "memory-unproven";
      return facts;
    }
    // Only the path comes from the server: both roots are the ones this browser trusts.
    var holds =
      answer.second &&
      answer.second.tree_size === size &&
      answer.second.root_hash === root &&
      Array.isArray(answer.proof) &&
      answer.proof.every(function (node) {
        return /^[0-9a-f]{64}$/.test(node);
      }) &&
      (await consistent(
        before.tree_size,
        size,
        fromHex(before.root_hash),
        fromHex(root),
        answer.proof.map(fromHex),
      ));
    facts.outcome = holds ? "memory-ok" : "memory-bad";
    if (holds) {
      remember(origin, size, root);
    }
    return facts;
  }

  function sayMemory(region, data, facts) {
    var text = data
      .getAttribute("data-text-" + facts.outcome)
      .split("{old}")
      .join(String(facts.old))
      .split("{now}")
      .join(String(facts.now));
    var paragraph = document.createElement("p");
    paragraph.className = "utrecht-paragraph";
    paragraph.textContent = text;
    region.replaceChildren(paragraph);
    region.classList.remove("consult-record-result--ok", "consult-record-result--bad");
    if (facts.outcome === "memory-ok" || facts.outcome === "memory-same") {
      region.classList.add("consult-record-result--ok");
    } else if (facts.outcome === "memory-bad" || facts.outcome === "memory-unproven") {
      region.classList.add("consult-record-result--bad");
      unfold(region);
    }
    region.setAttribute("data-outcome", facts.outcome);
    region.hidden = false;
  }

  function checkMemory(proof, data) {
    var region = document.querySelector("[data-record-memory-result]");
    var url = data.getAttribute("data-consistency-url");
    var storage;
    try {
      storage = window.localStorage;
    } catch (error) {
      storage = null; // storage switched off: nothing to remember with
    }
    if (!region || !url || !storage || !proof.checkpoint || !proof.checkpoint.note) {
      return Promise.resolve();
    }
    return compareWithMemory(proof, url)
      .then(function (facts) {
        sayMemory(region, data, facts);
      })
      .catch(function () {
        sayMemory(region, data, { outcome: "memory-unproven", old: "?", now: "?" });
      });
  }

  // The proof sits in the folded "For checking" block; a warning must not stay folded away.
  function unfold(region) {
    var fold = region.closest("details[data-for-checking]");
    if (fold) {
      fold.open = true;
    }
  }

  function say(region, data, outcome) {
    var text = data.getAttribute("data-text-" + outcome);
    var paragraph = document.createElement("p");
    paragraph.className = "utrecht-paragraph";
    paragraph.textContent = text;
    region.replaceChildren(paragraph);
    region.classList.remove("consult-record-result--ok", "consult-record-result--bad");
    if (outcome === "ok" || outcome === "ok-unsigned") {
      region.classList.add("consult-record-result--ok");
    } else if (outcome.indexOf("bad-") === 0) {
      region.classList.add("consult-record-result--bad");
      unfold(region);
    }
    region.setAttribute("data-outcome", outcome);
  }

  function start() {
    var data = document.querySelector("[data-record-proof]");
    var region = document.querySelector("[data-record-proof-result]");
    if (!data || !region) {
      return;
    }
    if (!window.crypto || !window.crypto.subtle || !window.TextDecoder) {
      say(region, data, "unsupported"); // WebCrypto needs https (or localhost)
      return;
    }
    say(region, data, "checking");
    var proof;
    try {
      proof = JSON.parse(data.getAttribute("data-record-proof"));
    } catch (error) {
      say(region, data, "bad-format");
      return;
    }
    check(proof, data.getAttribute("data-tracking-code"), data.getAttribute("data-content-hash"))
      .then(function (outcome) {
        say(region, data, outcome);
        if (outcome === "ok" || outcome === "ok-unsigned") {
          var note = parseNote(proof.checkpoint.note);
          return cosignedBy(proof.checkpoint.cosignatures || [], note.text)
            .then(function (names) {
              sayCosigned(region, data, names);
            })
            .then(function () {
              return checkMemory(proof, data);
            });
        }
        return undefined;
      })
      .catch(function () {
        say(region, data, "bad-format"); // a proof that cannot even be read does not hold
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
