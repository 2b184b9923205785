/* The cockpit's charts (党建驾驶舱): each `.cockpit-chart[data-chart]` names a JSON script
   element written by the server (core/cockpit/base.py Chart.as_json). Every bar, slice and
   heatmap cell links to the list behind it through the series' `urls`. ECharts is served
   from static/vendor; the SVG renderer keeps printed charts sharp.

   Names in a chart come from data (an organisation's short name, an ethnicity...), and
   ECharts puts a tooltip's text into the page as HTML: every tooltip here is built by a
   formatter of our own that escapes each name, never by a template string or the default. */
(function () {
  "use strict";

  var STATUS_PIECES = [
    { value: 3, label: "达标", color: "#198754" },
    { value: 4, label: "已说明", color: "#0dcaf0" },
    { value: 2, label: "待完成", color: "#ffc107" },
    { value: 1, label: "逾期", color: "#dc3545" },
    { value: 0, label: "未开始", color: "#ced4da" }
  ];
  var STATUS_LABELS = { 4: "已说明", 3: "达标", 2: "待完成", 1: "逾期", 0: "未开始" };
  var COLORS = ["#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#9e9d24"];
  var printing = document.body.classList.contains("print-page");
  var ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  function escape(value) {
    return String(value).replace(/[&<>"']/g, function (c) { return ENTITIES[c]; });
  }

  // p.marker is ECharts' own coloured dot (colours from COLORS), never data.
  function axisTooltip(params) {
    var lines = [escape(params[0].name)];
    params.forEach(function (p) {
      lines.push(p.marker + escape(p.seriesName) + "：" + escape(p.value));
    });
    return lines.join("<br>");
  }

  function itemTooltip(p) {
    return p.marker + escape(p.name) + "：" + escape(p.value) + "（" + escape(p.percent) + "%）";
  }

  function barOption(spec) {
    var horizontal = spec.kind === "hbar";
    var several = spec.series.length > 1;
    var category = {
      type: "category",
      data: spec.categories,
      axisLabel: { interval: 0, fontSize: 11, hideOverlap: !horizontal }
    };
    var value = { type: "value", minInterval: 1 };
    if (horizontal) {
      category.inverse = true;
      category.axisLabel.width = 110;
      category.axisLabel.overflow = "truncate";
    }
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: axisTooltip },
      legend: several ? { top: 0 } : undefined,
      grid: { left: 4, right: 24, top: several ? 30 : 20, bottom: 4, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: spec.series.map(function (series) {
        return {
          type: "bar",
          name: series.name,
          data: series.values,
          cursor: "pointer",
          label: { show: !several, position: horizontal ? "right" : "top", fontSize: 11 }
        };
      })
    };
  }

  function pieOption(spec) {
    var series = spec.series[0];
    return {
      tooltip: { trigger: "item", formatter: itemTooltip },
      legend: { type: "scroll", bottom: 0 },
      series: [
        {
          type: "pie",
          name: series.name,
          radius: ["30%", "58%"],
          center: ["50%", "44%"],
          cursor: "pointer",
          label: { formatter: "{b} {c}", fontSize: 11 },
          data: spec.categories.map(function (name, i) {
            return { name: name, value: series.values[i] };
          })
        }
      ]
    };
  }

  function heatmapOption(spec) {
    var percent = spec.scale === "percent";
    var visualMap = percent
      ? {
          type: "continuous", min: 0, max: 100, calculable: false, orient: "horizontal",
          left: "center", bottom: 0, itemHeight: 140, text: ["100%", "0%"],
          inRange: { color: ["#dc3545", "#ffc107", "#198754"] }
        }
      : { type: "piecewise", pieces: STATUS_PIECES, orient: "horizontal", left: "center", bottom: 0 };
    return {
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var v = p.value[2];
          var text = percent ? v + "% 的党支部达标" : STATUS_LABELS[v];
          return escape(spec.y_categories[p.value[1]] + " " + spec.categories[p.value[0]] + "：" + text);
        }
      },
      grid: { left: 4, right: 8, top: 24, bottom: 44, containLabel: true },
      xAxis: { type: "category", data: spec.categories, position: "top", splitArea: { show: true },
               axisLabel: { interval: 0, fontSize: 10 } },
      yAxis: { type: "category", data: spec.y_categories, inverse: true,
               axisLabel: { width: 120, overflow: "truncate", fontSize: 11 } },
      visualMap: visualMap,
      series: [
        {
          type: "heatmap",
          name: spec.series[0].name,
          data: spec.series[0].values,
          cursor: "pointer",
          itemStyle: { borderColor: "#fff", borderWidth: 1 },
          label: { show: percent, fontSize: 9, formatter: function (p) { return p.value[2]; } }
        }
      ]
    };
  }

  function build(spec) {
    var option;
    if (spec.kind === "pie") option = pieOption(spec);
    else if (spec.kind === "heatmap") option = heatmapOption(spec);
    else option = barOption(spec);
    option.animation = !printing;
    option.color = COLORS;
    option.textStyle = { fontFamily: "system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" };
    return option;
  }

  var charts = [];
  document.querySelectorAll(".cockpit-chart[data-chart]").forEach(function (element) {
    var source = document.getElementById(element.dataset.chart);
    if (!source || !window.echarts) return;
    var spec = JSON.parse(source.textContent);
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    chart.setOption(build(spec));
    chart.on("click", function (params) {
      var series = spec.series[params.seriesIndex] || spec.series[0];
      var url = series && series.urls[params.dataIndex];
      if (url) window.location.href = url;
    });
    element.dataset.rendered = "true";
    charts.push(chart);
  });

  function resize() {
    charts.forEach(function (chart) { chart.resize(); });
  }
  window.addEventListener("resize", resize);
  if (window.matchMedia) {
    window.matchMedia("print").addEventListener("change", resize);
  }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
