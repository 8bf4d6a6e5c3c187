/* Charts (ECharts, SVG renderer) for the board and the yearly figures. The data comes from
   json_script elements (type=application/json: data, never run); the tables next to each
   chart carry the same figures, so without ECharts nothing is lost. */
(function () {
  "use strict";
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function charts(top) {
    var elder = document.documentElement.classList.contains("elder");
    var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var font = elder ? 16 : 12;
    var base = {animation: !still, aria: {enabled: true}, textStyle: {fontSize: font},
      // richText: the tooltip is drawn in the chart's SVG; the HTML tooltip writes style
      // attributes, which the Content-Security-Policy refuses.
      tooltip: {trigger: "axis", confine: true, renderMode: "richText"}, grid: {left: 8, right: 16, top: top, bottom: 8, containLabel: true}};
    return {
      font: font,
      draw: function (id, option) {
        var c = echarts.init(document.getElementById(id), null, {renderer: "svg"});
        c.setOption(Object.assign({}, base, option));
        window.addEventListener("resize", function () { c.resize(); });
      }
    };
  }

  function board(d) {
    var k = charts(40), font = k.font;
    var ageColours = ["#7fb27f", "#e0b040", "#d9822b", "#b22a2a"];
    k.draw("chart-open", {
      legend: {top: 0, textStyle: {fontSize: font}},
      xAxis: {type: "category", data: d.levels, axisLabel: {fontSize: font}},
      grid: {left: 8, right: 16, top: 64, bottom: 8, containLabel: true},
      yAxis: {type: "value", minInterval: 1, axisLabel: {fontSize: font}},
      series: d.ages.map(function (a, i) {
        return {type: "bar", stack: "age", name: a.name, data: a.data, itemStyle: {color: ageColours[i]}};
      })
    });
    k.draw("chart-month", {
      legend: {top: 0, textStyle: {fontSize: font}},
      xAxis: {type: "category", data: d.months, axisLabel: {fontSize: font, interval: "auto"}},
      yAxis: {type: "value", minInterval: 1, axisLabel: {fontSize: font}},
      series: [
        {type: "line", name: d.labels.raised, data: d.raised, itemStyle: {color: "#b22a2a"}, symbolSize: 8},
        {type: "line", name: d.labels.finished, data: d.finished, itemStyle: {color: "#1f5fa8"}, symbolSize: 8}
      ]
    });
    k.draw("chart-ratings", {
      xAxis: {type: "value", name: d.labels.ratings, minInterval: 1, axisLabel: {fontSize: font}},
      yAxis: {type: "category", inverse: true, data: d.ratingLevels, axisLabel: {fontSize: font}},
      series: [{type: "bar", name: d.labels.ratings, data: d.ratingCounts,
        itemStyle: {color: function (p) { return p.dataIndex >= 3 ? "#b22a2a" : "#1f5fa8"; }},
        label: {show: true, position: "right", fontSize: font}}]
    });
  }

  function stats(d) {
    var k = charts(36), font = k.font;
    // Horizontal bars: category names stay readable at 390px.
    k.draw("chart-category", {
      xAxis: {type: "value", name: d.labels.points, axisLabel: {fontSize: font}},
      yAxis: {type: "category", inverse: true, data: d.categories, axisLabel: {fontSize: font}},
      series: [{type: "bar", name: d.labels.awarded, data: d.categoryPoints, itemStyle: {color: "#b22a2a"},
        label: {show: true, position: "right", fontSize: font}}]
    });
    k.draw("chart-month", {
      legend: {top: 0, textStyle: {fontSize: font}},
      xAxis: {type: "category", data: d.months, axisLabel: {fontSize: font, interval: "auto"}},
      yAxis: {type: "value", axisLabel: {fontSize: font}},
      series: [
        {type: "bar", name: d.labels.awarded, data: d.awarded, itemStyle: {color: "#b22a2a"}},
        {type: "line", name: d.labels.redeemed, data: d.redeemed, itemStyle: {color: "#1f5fa8"}, symbolSize: 8}
      ]
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) return;
    var d = data("board-chart-data");
    if (d) board(d);
    d = data("stats-chart-data");
    if (d) stats(d);
  });
})();
