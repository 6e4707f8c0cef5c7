// migrate-storage coverage report: click a column header of the index to sort by it.
// No network, no libraries; the page works without this script too.
(function () {
  "use strict";
  function cellValue(row, index) {
    var cell = row.cells[index];
    var sortValue = cell.getAttribute("data-sort");
    return sortValue !== null ? parseFloat(sortValue) : cell.textContent.trim().toLowerCase();
  }
  function sortBy(table, header, index) {
    var body = table.tBodies[0];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var headers = table.tHead.rows[0].cells;
    for (var i = 0; i < headers.length; i++) { headers[i].removeAttribute("aria-sort"); }
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var tables = document.querySelectorAll("table.index");
    Array.prototype.forEach.call(tables, function (table) {
      if (!table.tHead || !table.tBodies.length) { return; }
      var headers = table.tHead.rows[0].cells;
      Array.prototype.forEach.call(headers, function (header, index) {
        header.addEventListener("click", function () { sortBy(table, header, index); });
      });
    });
    document.documentElement.setAttribute("data-report-ready", "1");
  });
})();
