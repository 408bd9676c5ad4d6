/* The phone's queue of signed taps, shared by the pages and the service worker.
   IndexedDB "volunteer-star": the device's key pair (the private key is not extractable:
   WebCrypto keeps it, and IndexedDB stores the CryptoKey object, never its bytes), the taps
   made without signal, and the CSRF token the upload sends. */
(function (scope) {
  'use strict';
  var DB_NAME = 'volunteer-star', DB_VERSION = 1;
  var opening = null, flushing = null;

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var req = indexedDB.open(DB_NAME, DB_VERSION);
        req.onupgradeneeded = function () {
          var db = req.result;
          db.createObjectStore('meta');
          db.createObjectStore('taps', {keyPath: 'seq', autoIncrement: true});
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { opening = null; reject(req.error); };
      });
    }
    return opening;
  }

  function run(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode), result;
        var req = work(tx.objectStore(store));
        if (req) { req.onsuccess = function () { result = req.result; }; }
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function getMeta(key) { return run('meta', 'readonly', function (s) { return s.get(key); }); }
  function setMeta(key, value) { return run('meta', 'readwrite', function (s) { return s.put(value, key); }); }

  function b64(buffer) {
    var bytes = new Uint8Array(buffer), text = '';
    for (var i = 0; i < bytes.length; i++) { text += String.fromCharCode(bytes[i]); }
    return btoa(text);
  }

  function uuid() {
    if (scope.crypto.randomUUID) { return scope.crypto.randomUUID(); }
    var b = scope.crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  /* A new key pair: ECDSA P-256, the private key not extractable. */
  function newKey() {
    return scope.crypto.subtle.generateKey({name: 'ECDSA', namedCurve: 'P-256'}, false, ['sign', 'verify'])
      .then(function (pair) {
        return scope.crypto.subtle.exportKey('spki', pair.publicKey).then(function (spki) {
          return {pair: pair, publicKey: b64(spki)};
        });
      });
  }

  /* Record a tap: sign {id, code, tapped_at, lat, lng} with the device's key and queue it. */
  function record(code, position, label) {
    return getMeta('device').then(function (device) {
      if (!device) { throw new Error('no-device'); }
      var tappedAt = new Date();
      var payload = JSON.stringify({id: uuid(), code: code, tapped_at: tappedAt.toISOString(),
                                    lat: position ? position.lat : null, lng: position ? position.lng : null});
      return scope.crypto.subtle.sign({name: 'ECDSA', hash: 'SHA-256'}, device.pair.privateKey,
                                      new TextEncoder().encode(payload))
        .then(function (signature) {
          var tap = {device_id: device.id, volunteer: device.volunteer, payload: payload, signature: b64(signature),
                     tapped_at: tappedAt.toISOString(), label: label || '', state: 'queued'};
          return run('taps', 'readwrite', function (s) { return s.add(tap); }).then(function (seq) {
            tap.seq = seq;
            return tap;
          });
        });
    });
  }

  function all() { return run('taps', 'readonly', function (s) { return s.getAll(); }); }

  function save(taps) {
    return run('taps', 'readwrite', function (s) { taps.forEach(function (t) { s.put(t); }); });
  }

  /* Upload the queued taps in the order they were made; each gets its result. Resolves with
     the number sent; rejects when the server could not be reached or did not answer. */
  function flush() {
    if (flushing) { return flushing; }
    flushing = Promise.all([all(), getMeta('csrf'), getMeta('device')]).then(function (got) {
      // only the signed-in volunteer's taps: another's wait until that volunteer logs in here again
      var volunteer = got[2] ? String(got[2].volunteer) : null;
      var queued = got[0].filter(function (t) { return t.state === 'queued' && String(t.volunteer) === volunteer; });
      if (!queued.length) { return 0; }
      return fetch('/me/taps', {
        method: 'POST', credentials: 'same-origin', redirect: 'manual', cache: 'no-store',
        headers: {'Content-Type': 'application/json', 'X-CSRFToken': got[1] || ''},
        body: JSON.stringify({sent_at: new Date().toISOString(), taps: queued.map(function (t) {
          return {device_id: t.device_id, payload: t.payload, signature: t.signature};
        })})
      }).then(function (response) {
        var type = response.headers.get('Content-Type') || '';
        if (!response.ok || type.indexOf('json') < 0) { throw new Error('upload-' + response.status); }
        return response.json();
      }).then(function (body) {
        var lost = false;
        queued.forEach(function (tap, i) {
          var result = body.results[i];
          tap.state = result.status === 'accepted' ? 'accepted' : 'refused';
          tap.result = result;
          lost = lost || (result.error && (result.error.code === 'device_revoked' || result.error.code === 'unknown_device'));
        });
        // a revoked key is forgotten: the next volunteer page makes and registers a new one
        return save(queued).then(function () { return lost ? setMeta('device', null) : null; })
          .then(function () { return queued.length; });
      });
    });
    var done = function () { flushing = null; };
    flushing.then(done, done);
    return flushing;
  }

  scope.TapQueue = {open: open, getMeta: getMeta, setMeta: setMeta, newKey: newKey, record: record,
                    all: all, flush: flush};
})(self);
