// The card's "Print" button: shown and working only when scripts run (Ctrl + P works anyway).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
