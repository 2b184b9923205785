// One tap cycles a person's attendance (出席 → 请假 → 缺席); the select stays the form value,
// so the page still works without JavaScript.
(function () {
  var styles = {present: "btn-success", leave: "btn-warning", absent: "btn-danger"};
  var rows = document.querySelectorAll("[data-attendance-row]");
  function summarise() {
    var counts = {present: 0, leave: 0, absent: 0};
    rows.forEach(function (row) { counts[row.querySelector("select").value] += 1; });
    Object.keys(counts).forEach(function (key) {
      var target = document.querySelector('[data-count="' + key + '"]');
      if (target) { target.textContent = counts[key]; }
    });
  }
  rows.forEach(function (row) {
    var select = row.querySelector("select");
    var button = row.querySelector(".attendance-toggle");
    var reason = row.querySelector(".attendance-reason");
    function render() {
      button.textContent = select.options[select.selectedIndex].text;
      button.className = "btn attendance-toggle " + styles[select.value];
      button.setAttribute("aria-label", row.dataset.member + "：" + button.textContent + "，点按切换");
      reason.hidden = select.value === "present";
      summarise();
    }
    select.hidden = true;
    button.hidden = false;
    button.addEventListener("click", function () {
      select.selectedIndex = (select.selectedIndex + 1) % select.options.length;
      render();
    });
    render();
  });
})();
