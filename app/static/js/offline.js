/* Check-in without signal, the page's part (needs tapqueue.js first).
   - On a volunteer page (online): install the service worker, make the phone's signing key
     once and register its public half, keep the CSRF token for uploads, upload the queue.
   - On the scan shell (a post's QR opened without signal): record a signed tap in the queue
     and say so; upload when the connection returns (Background Sync, or the 'online' event,
     or the next page load).
   - Everywhere: list the queued taps with their state (queued, confirmed, refused). */
(function () {
  'use strict';
  var script = document.currentScript;
  var config = script ? script.dataset : {};
  var messages = (document.getElementById('offline-messages') || {dataset: {}}).dataset;
  var Q = window.TapQueue;
  var root = document.documentElement;
  if (!Q || !window.indexedDB || !window.crypto || !window.crypto.subtle) { return; }

  function hhmm(iso) {
    var d = new Date(iso);
    return ('0' + d.getHours()).slice(-2) + ':' + ('0' + d.getMinutes()).slice(-2);
  }

  function render() {
    var list = document.getElementById('offline-taps');
    if (!list) { return Promise.resolve(); }
    return Q.all().then(function (taps) {
      taps = taps.slice(-10).reverse();
      var section = document.getElementById('offline-taps-section');
      if (section) { section.hidden = taps.length === 0; }
      list.textContent = '';
      taps.forEach(function (tap) {
        var item = document.createElement('li'), head = document.createElement('div'), state = document.createElement('div');
        item.className = 'list-group-item offline-tap';
        item.dataset.state = tap.state;
        head.textContent = hhmm(tap.tapped_at) + (tap.label ? ' · ' + tap.label : '');
        var result = tap.result || {};
        if (tap.state === 'queued') {
          state.textContent = messages.queued;
          state.className = 'small text-secondary';
        } else if (tap.state === 'accepted') {
          var action = result.action === 'check_out' ? messages.checkOut : messages.checkIn;
          state.textContent = messages.confirmed + ' · ' + action + ' ' + hhmm(result.counted_at || tap.tapped_at)
            + (result.flags && result.flags.length > 1 ? ' · ' + messages.review : '');
          state.className = 'small text-success';
        } else {
          state.textContent = messages.refused + (result.error ? '：' + result.error.message : '');
          state.className = 'small text-danger';
        }
        item.appendChild(head);
        item.appendChild(state);
        list.appendChild(item);
      });
    });
  }

  function upload() {
    return Q.flush().then(render, function () { return render(); });
  }

  function askForSync() {
    if (!('serviceWorker' in navigator)) { return; }
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync) { return reg.sync.register('vs-taps'); }
    }).catch(function () {});
  }

  /* The phone's key: made on the login page and registered with the login (the page then
     knows the device's id); made and registered here when that did not happen, or when an
     upload said the device was revoked (tapqueue.js then forgets it). */
  function ensureDevice() {
    return Promise.all([Q.getMeta('device'), Q.getMeta('pending')]).then(function (got) {
      var device = got[0], pending = got[1];
      if (pending && config.device) {
        device = {id: Number(config.device), volunteer: config.volunteer, pair: pending.pair,
                  publicKey: pending.publicKey};
        return Q.setMeta('device', device).then(function () { return Q.setMeta('pending', null); });
      }
      if (device && String(device.volunteer) === config.volunteer) { return device; }
      return register();
    });
  }

  function register() {
    return Q.newKey().then(function (made) {
      return fetch('/me/devices', {
        method: 'POST', credentials: 'same-origin', cache: 'no-store',
        headers: {'Content-Type': 'application/json', 'X-CSRFToken': config.csrf},
        body: JSON.stringify({public_key: made.publicKey})
      }).then(function (r) {
        if (r.status !== 201) { throw new Error('register-' + r.status); }
        return r.json();
      }).then(function (answer) {
        var device = {id: answer.id, volunteer: config.volunteer, pair: made.pair, publicKey: made.publicKey};
        return Q.setMeta('device', device).then(function () { return device; });
      });
    });
  }

  function position() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve(null); return; }
      navigator.geolocation.getCurrentPosition(function (p) {
        resolve({lat: p.coords.latitude, lng: p.coords.longitude});
      }, function () { resolve(null); }, {enableHighAccuracy: true, timeout: 5000, maximumAge: 60000});
    });
  }

  function tapHere(code, label) {
    return position().then(function (where) { return Q.record(code, where, label); }).then(function (tap) {
      var done = document.getElementById('offline-recorded');
      if (done) {
        done.textContent = messages.queued + ' · ' + hhmm(tap.tapped_at);
        done.hidden = false;
      }
      askForSync();
      return render();
    });
  }

  /* A page served by the server for a volunteer: set everything up while online. */
  function online() {
    if ('serviceWorker' in navigator) {
      navigator.serviceWorker.register('/static/js/sw.js', {scope: '/'}).catch(function () {});
    }
    var steps = [Q.setMeta('csrf', config.csrf), ensureDevice()];
    if (config.postCode && config.postName) { steps.push(Q.setMeta('post:' + config.postCode, config.postName)); }
    var setUp = Promise.all(steps);
    var uploaded = setUp.then(upload, upload);  // the next page load uploads what is queued
    var worker = 'serviceWorker' in navigator ? navigator.serviceWorker.ready : Promise.resolve();
    return Promise.all([setUp, worker, uploaded]).then(function () { root.dataset.offlineReady = '1'; }, function () {
      root.dataset.offlineReady = 'error';
    });
  }

  /* The shell the service worker serves for a post's QR without signal. */
  function shell() {
    var code = window.location.href, button = document.getElementById('offline-tap');
    Q.getMeta('device').then(function (device) {
      document.getElementById(device ? 'offline-can-tap' : 'offline-no-device').hidden = false;
      if (!device) { return; }
      return Q.getMeta('post:' + window.location.pathname).then(function (name) {
        if (name) { document.getElementById('offline-post-name').textContent = name; }
        button.addEventListener('click', function () {
          button.disabled = true;
          tapHere(code, name).then(function () { button.disabled = false; }, function () { button.disabled = false; });
        });
      });
    });
    window.addEventListener('online', upload);
    render();
  }

  /* On the server's scan page: a press while the phone has no signal is queued instead. */
  function queueWhenOffline() {
    document.querySelectorAll('form.scan-form').forEach(function (form) {
      form.addEventListener('submit', function (event) {
        if (navigator.onLine || form.querySelector('input[name="action"]')) { return; }
        event.preventDefault();
        tapHere(window.location.href, config.postName);
      });
    });
  }

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', function (event) {
      if (event.data && event.data.type === 'taps-synced') { render(); }
    });
  }
  if (document.getElementById('offline-scan')) {
    shell();
  } else if (config.volunteer) {
    queueWhenOffline();
    window.addEventListener('online', upload);
    online();
  }
})();
