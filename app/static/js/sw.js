/* Volunteer Star's service worker: the scan page shell and the volunteer home work without
   signal, and queued taps are uploaded when the connection returns (Background Sync).

   Pages are network first. A cached page keeps the headers it came with, its
   Content-Security-Policy included, so the nonce of its inline scripts still matches; the
   scan shell has no inline script at all and carries no personal data. The volunteer home
   is personal: its copy is deleted when the volunteer logs out. */
importScripts('/static/js/tapqueue.js');

var VERSION = 'v1';
var SHELL = 'vs-shell-' + VERSION;
var PAGES = 'vs-pages';
var SHELL_URL = '/offline/scan';
var HOME_URL = '/me/';
var ASSETS = [SHELL_URL, '/manifest.webmanifest', '/static/vendor/bootstrap.min.css', '/static/css/app.css',
              '/static/js/app.js', '/static/js/tapqueue.js',
              '/static/js/offline.js', '/static/vendor/chart.umd.min.js', '/static/icons/icon-192.png'];

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(ASSETS);
  }).then(function () {
    return keepHome(fetch(HOME_URL, {credentials: 'same-origin'})).catch(function () {});
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf('vs-shell-') === 0 && n !== SHELL; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

/* Keep a copy of the volunteer home when it really is the home (not the login page). */
function keepHome(fetching) {
  return fetching.then(function (response) {
    if (response.ok && !response.redirected && new URL(response.url).pathname === HOME_URL) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { return cache.put(HOME_URL, copy); });
    }
    return response;
  });
}

function cached(url) {
  return caches.match(url, {ignoreVary: true, ignoreSearch: true});
}

self.addEventListener('fetch', function (event) {
  var request = event.request, url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === 'POST' && (url.pathname === '/logout' || url.pathname === '/logout/everywhere')) {
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.mode === 'navigate' && url.pathname.indexOf('/s/') === 0) {
    // a post's QR (or its button, when the signal dropped after the page loaded): the shell
    event.respondWith(fetch(request).catch(function () { return cached(SHELL_URL); }));
    return;
  }
  if (request.method !== 'GET') { return; }
  if (request.mode === 'navigate' && url.pathname === HOME_URL) {
    event.respondWith(keepHome(fetch(request)).catch(function () {
      return cached(HOME_URL).then(function (page) { return page || cached(SHELL_URL); });
    }));
  } else if (url.pathname.indexOf('/static/') === 0 || url.pathname === '/manifest.webmanifest') {
    event.respondWith(fetch(request).catch(function () {
      return cached(url.pathname).then(function (r) { return r || Response.error(); });
    }));
  }
});

function tellPages(message) {
  return self.clients.matchAll({type: 'window'}).then(function (pages) {
    pages.forEach(function (page) { page.postMessage(message); });
  });
}

self.addEventListener('sync', function (event) {
  if (event.tag === 'vs-taps') {
    event.waitUntil(self.TapQueue.flush().then(function (sent) {
      return tellPages({type: 'taps-synced', sent: sent});
    }));
  }
});
