// Newsdesk: progressive enhancement of the search pages. Without this file every link and form
// works as a plain page load; with it, a new search, facet, sort or page is fetched and swapped
// into the page in place, and history.pushState keeps the address shareable and Back working.
(function () {
  "use strict";

  var SEARCH_PATHS = ["/", "/search", "/quotes"];
  if (!window.fetch || !window.DOMParser || !window.history.pushState) return;

  var pending = null;
  var shown = location.pathname + location.search; // the search the page shows now

  function isSearchUrl(url) {
    return url.origin === location.origin && SEARCH_PATHS.indexOf(url.pathname) !== -1;
  }

  function onSearchPage() {
    return SEARCH_PATHS.indexOf(location.pathname) !== -1;
  }

  // The live region that tells screen readers the new result count.
  function announce(text) {
    var live = document.getElementById("live-status");
    if (!live) {
      live = document.createElement("p");
      live.id = "live-status";
      live.className = "visually-hidden";
      live.setAttribute("role", "status");
      document.body.appendChild(live);
    }
    live.textContent = text;
  }

  function syncSearchBox(doc) {
    var mine = document.querySelector("form.searchbox");
    var theirs = doc.querySelector("form.searchbox");
    if (!mine || !theirs) return;
    mine.setAttribute("action", theirs.getAttribute("action") || "");
    Array.prototype.forEach.call(mine.querySelectorAll("input[type=hidden]"), function (el) {
      el.remove();
    });
    Array.prototype.forEach.call(theirs.querySelectorAll("input[type=hidden]"), function (el) {
      mine.insertBefore(document.importNode(el, true), mine.firstChild);
    });
    var box = mine.querySelector("input[name=q]");
    var value = theirs.querySelector("input[name=q]");
    if (box && value && box !== document.activeElement) box.value = value.value;
  }

  // Which control the reader used, in terms that survive the swap: its group and its label.
  function describe(el) {
    var main = document.querySelector("main");
    if (!el || !main || !main.contains(el)) return null;
    var group = el.closest("section, nav, form, ul");
    var heading = group && group.querySelector("h2, h3");
    var box = el.labels && el.labels[0];
    var label = el.querySelector(".value") || (box && (box.querySelector(".value") || box)) || el;
    return {
      tag: el.tagName,
      group: group ? group.getAttribute("aria-label") || (heading ? heading.textContent : "") : "",
      text: (label.textContent || "").replace(/\s+/g, " ").trim()
    };
  }

  function same(a, b) {
    return a && b && a.tag === b.tag && a.group === b.group && a.text === b.text;
  }

  // Focus the same control in the new content, else the result count, so that a keyboard
  // reader carries on where they were instead of at the top of the page.
  function restoreFocus(key) {
    if (!key) return;
    var main = document.querySelector("main");
    var found = Array.prototype.find.call(main.querySelectorAll(key.tag), function (el) {
      return same(describe(el), key);
    });
    var target = found || main.querySelector(".summary .total") || main;
    if (!found) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: !!found });
  }

  // Facet checkboxes apply as soon as they change: their forms need no Apply button.
  function enliven() {
    Array.prototype.forEach.call(document.querySelectorAll("form.facet-values"), function (form) {
      form.dataset.live = "true";
    });
  }

  function swap(doc) {
    var main = document.querySelector("main");
    var fresh = doc.querySelector("main");
    if (!main || !fresh) return false;
    main.replaceWith(document.importNode(fresh, true));
    document.title = doc.title;
    // the JSON twin and any feed of this search follow it
    Array.prototype.forEach.call(document.head.querySelectorAll('link[rel="alternate"]'), function (el) {
      el.remove();
    });
    Array.prototype.forEach.call(doc.head.querySelectorAll('link[rel="alternate"]'), function (el) {
      document.head.appendChild(document.importNode(el, true));
    });
    syncSearchBox(doc);
    enliven();
    var total = document.querySelector("main .summary .total");
    if (total) announce(total.textContent.replace(/\s+/g, " ").trim());
    var top = document.querySelector("main");
    if (top && top.getBoundingClientRect().top < 0) top.scrollIntoView();
    return true;
  }

  function load(url, push, from) {
    if (pending) pending.abort();
    var controller = window.AbortController ? new AbortController() : null;
    pending = controller;
    var main = document.querySelector("main");
    if (main) main.setAttribute("aria-busy", "true");
    fetch(url.href, { signal: controller ? controller.signal : undefined, credentials: "same-origin" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("text/html") === -1) throw new Error("not a page");
        return response.text();
      })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, "text/html");
        if (push) history.pushState({ newsdesk: true }, "", url.href);
        shown = url.pathname + url.search;
        if (!swap(doc)) location.assign(url.href);
        else restoreFocus(from);
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        location.assign(url.href); // let the browser show whatever the server says
      })
      .then(function () {
        if (pending === controller) pending = null;
        var now = document.querySelector("main");
        if (now) now.removeAttribute("aria-busy");
      });
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || link.getAttribute("target") || link.hasAttribute("download") || !onSearchPage()) return;
    var url = new URL(link.getAttribute("href"), location.href);
    if (!isSearchUrl(url) || (url.hash && url.search === location.search)) return;
    event.preventDefault();
    load(url, true, describe(link));
  });

  // The address a GET form would load, or null when it is not a search.
  function formUrl(form) {
    if ((form.getAttribute("method") || "get").toLowerCase() !== "get") return null;
    var url = new URL(form.getAttribute("action") || location.href, location.href);
    if (!isSearchUrl(url)) return null;
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") params.append(name, value);
    });
    url.search = params.toString();
    return url;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !onSearchPage()) return;
    var url = formUrl(form);
    if (!url) return;
    event.preventDefault();
    load(url, true, describe(form.querySelector("input:not([type=hidden])")));
  });

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.type !== "checkbox" || !box.form || !box.form.dataset.live || !onSearchPage()) return;
    var url = formUrl(box.form);
    if (url) load(url, true, describe(box));
  });

  enliven();

  window.addEventListener("popstate", function () {
    // a fragment link (the skip link) also pops state: only a different search is fetched
    if (onSearchPage() && location.pathname + location.search !== shown) {
      load(new URL(location.href), false);
    }
  });
})();
