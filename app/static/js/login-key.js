/* Offline check-in's key is made at login: as soon as the login page is open, the phone makes
   an ECDSA P-256 key pair (the private key not extractable), or takes the one it already has,
   keeps it in IndexedDB and adds its public half to the login form, which registers it with
   the login. Nothing waits for it: a form sent before it is ready logs in all the same, and
   the next volunteer page registers a key by itself. */
(function () {
  'use strict';
  var Q = window.TapQueue;
  var form = document.querySelector('main form[method="post"]');
  if (!Q || !form || !window.indexedDB || !window.crypto || !window.crypto.subtle) { return; }
  Q.getMeta('device').then(function (device) {
    if (device && device.publicKey) { return {pair: device.pair, publicKey: device.publicKey}; }
    return Q.newKey();
  }).then(function (made) {
    return Q.setMeta('pending', made).then(function () {
      var field = document.createElement('input');
      field.type = 'hidden';
      field.name = 'device_key';
      field.value = made.publicKey;
      form.appendChild(field);
    });
  }).catch(function () {});
})();
