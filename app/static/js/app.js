/* Small behaviours declared in the markup with data-* attributes, so that pages need no
   inline event handlers or style attributes (the Content-Security-Policy refuses them). */
(function () {
  'use strict';
  document.querySelectorAll('[data-width-percent]').forEach(function (el) {
    el.style.width = Math.max(0, Math.min(100, Number(el.dataset.widthPercent) || 0)) + '%';
  });
  document.querySelectorAll('[data-check-all]').forEach(function (box) {
    box.addEventListener('click', function () {
      document.querySelectorAll('input[name="' + box.dataset.checkAll + '"]').forEach(function (c) {
        c.checked = box.checked;
      });
    });
  });
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      if (!window.confirm(form.dataset.confirm)) { e.preventDefault(); }
    });
  });
  // The two Bootstrap behaviours the pages use, without Bootstrap's 80 KB script: the
  // phone's menu button and the close button of a message.
  document.querySelectorAll('[data-bs-toggle="collapse"]').forEach(function (button) {
    var target = document.querySelector(button.dataset.bsTarget);
    if (!target) { return; }
    button.addEventListener('click', function () {
      var open = target.classList.toggle('show');
      button.setAttribute('aria-expanded', open ? 'true' : 'false');
      button.classList.toggle('collapsed', !open);
    });
  });
  document.querySelectorAll('[data-bs-dismiss="alert"]').forEach(function (button) {
    button.addEventListener('click', function () {
      var alert = button.closest('.alert');
      if (alert) { alert.remove(); }
    });
  });
  document.querySelectorAll('[data-history-back]').forEach(function (link) {
    link.addEventListener('click', function (e) { e.preventDefault(); window.history.back(); });
  });
})();
