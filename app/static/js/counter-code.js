/* A coupon or card QR opens /q/#<code> or /c/#<code>. The code after # never reaches the
   server's access log; this script posts it. Before the merchant has logged in it is kept in
   this tab's sessionStorage and posted when the login brings the merchant back here. */
(function () {
  'use strict';
  var form = document.getElementById('code-form');
  if (!form) { return; }
  var key = 'vs-counter-code';
  var code = '';
  var store = null;
  try { store = window.sessionStorage; } catch (e) { store = null; }
  if (window.location.hash.length > 1) {
    code = window.location.origin + window.location.pathname + window.location.hash;
    window.history.replaceState(null, '', window.location.pathname);
  } else if (store) {
    code = store.getItem(key) || '';
  }
  if (store) { store.removeItem(key); }
  if (form.getAttribute('data-mode') === 'login') {
    if (code && store) { store.setItem(key, code); }
    return;
  }
  if (!code) {
    var status = document.getElementById('code-status');
    var missing = document.getElementById('code-missing');
    if (status) { status.classList.add('d-none'); }
    if (missing) { missing.classList.remove('d-none'); }
    return;
  }
  form.elements.code.value = code;
  form.submit();
}());
