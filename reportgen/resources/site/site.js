/* reportgen 웹소통: filter and sort the table of pledges, without a server.
   Without JavaScript the table shows every pledge, in the report's order. */
(function () {
  "use strict";
  var table = document.getElementById("pledge-table");
  var form = document.getElementById("filters");
  var shown = document.getElementById("shown");
  if (!table || !form) { return; }
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var total = rows.length;
  var selects = Array.prototype.slice.call(form.querySelectorAll("select"));
  form.hidden = false;

  function filter() {
    var count = 0;
    rows.forEach(function (row) {
      var ok = selects.every(function (s) {
        return !s.value || row.getAttribute("data-" + s.getAttribute("data-column")) === s.value;
      });
      row.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = count === total
      ? "공약 " + total + "개"
      : "전체 " + total + "개 중 " + count + "개 공약 표시";
  }
  selects.forEach(function (s) { s.addEventListener("change", filter); });
  form.addEventListener("reset", function () { window.setTimeout(filter, 0); });
  form.addEventListener("submit", function (e) { e.preventDefault(); });

  var collator = typeof Intl !== "undefined" && Intl.Collator
    ? new Intl.Collator("ko", { numeric: true }) : null;
  function key(row, index) {
    var cell = row.cells[index];
    return cell.getAttribute("data-sort") || cell.textContent.trim();
  }
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  heads.forEach(function (th, index) {
    var label = th.textContent.trim();
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.innerHTML = "<span></span><span class=\"arrow\" aria-hidden=\"true\">↕</span>";
    button.firstChild.textContent = label;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      heads.forEach(function (other) {
        other.removeAttribute("aria-sort");
        other.querySelector(".arrow").textContent = "↕";
      });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      button.querySelector(".arrow").textContent = ascending ? "▲" : "▼";
      var sorted = rows.slice().sort(function (a, b) {
        var x = key(a, index), y = key(b, index);
        var c = collator ? collator.compare(x, y) : (x < y ? -1 : x > y ? 1 : 0);
        if (c === 0) { c = rows.indexOf(a) - rows.indexOf(b); }
        return ascending ? c : -c;
      });
      sorted.forEach(function (row) { tbody.appendChild(row); });
      shown.textContent = label + " " + (ascending ? "오름차순" : "내림차순") + "으로 정렬했습니다. " +
        shown.textContent.replace(/^.*정렬했습니다\. /, "");
    });
  });
  filter();
})();
