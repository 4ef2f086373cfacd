/* The check-in desk app's service worker: the app opens with no network.
 *
 * Served by the app under the desk app's path (so that its scope is the app), with APP_FILES and CACHE set in
 * front of this file. The page is fetched from the network first and kept for when there is none; the app's
 * scripts, styles and icons come from the cache. The day's list, the probe and the sync are never cached: the
 * list lives in the app's own storage, which sign-out wipes.
 */
"use strict";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(APP_FILES.map(function (url) { return new Request(url, { credentials: "same-origin" }); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  // Older versions of this meeting's desk files go; other meetings' desks keep theirs.
  var prefix = CACHE.replace(/-[^-]+$/, "-");
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf(prefix) === 0 && name !== CACHE; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function keepable(response) {
  // Only the page itself, as a signed-in staff member sees it: never a redirect to the sign-in page.
  return response.ok && !response.redirected && response.type === "basic";
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var page = self.registration.scope.replace(self.location.origin, "");
  if (request.mode === "navigate" && url.pathname === page) {
    event.respondWith(fetch(request).then(function (response) {
      if (keepable(response)) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(page, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(page, { ignoreSearch: true });
    }));
    return;
  }
  if (APP_FILES.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(url.pathname).then(function (hit) { return hit || fetch(request); }));
  }
});
