/* The supervision dashboard's two charts, drawn with ECharts (node_modules, served as vendor/echarts).
   The data and its words come from the page (json_script "dashboard-data", supervision/charts.py), in
   the page's language. The chart titles are the cards' headings, so a legend can never cover them. */
(function () {
  "use strict";
  const source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const TEXT = "#212529";
  const MUTED = "#6c757d";
  const drawn = [];

  function categoryAxis(element, units) {
    // Unit names are long: the axis takes up to a third of the chart and breaks them onto two lines.
    const width = Math.max(88, Math.min(190, element.clientWidth * 0.34));
    return {
      type: "category", data: units, inverse: true, axisTick: {show: false},
      axisLabel: {width: width, overflow: "break", lineHeight: 14, fontSize: 12, color: TEXT},
    };
  }

  function escape(text) {
    return echarts.format.encodeHTML(String(text));
  }

  function draw(id, rows, rowHeight, option) {
    const element = document.getElementById(id);
    if (!element) return;
    element.style.height = rows * rowHeight + 64 + "px";
    const chart = echarts.init(element);
    chart.setOption(option(element));
    drawn.push({chart: chart, element: element, option: option});
  }

  draw("chart-overdue", data.overdue.units.length, 32, function (element) {
    return {
      animation: false,
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
      grid: {left: 4, right: 32, top: 8, bottom: 8, containLabel: true},
      xAxis: {type: "value", minInterval: 1, axisLabel: {color: MUTED}},
      yAxis: categoryAxis(element, data.overdue.units),
      series: [{
        name: data.overdue.name, type: "bar", data: data.overdue.values, barMaxWidth: 18,
        itemStyle: {color: "#dc3545"}, label: {show: true, position: "right", color: TEXT},
      }],
    };
  });

  function ratePoint(point) {
    if (point.value === null) {
      // Nothing to rate: no bar, the words "No data" in grey where the bar would start.
      return {
        value: 0, text: point.text, noData: true,
        itemStyle: {color: "transparent"}, label: {color: MUTED, fontStyle: "italic"},
      };
    }
    return {value: point.value, text: point.text};  // 0% too: barMinHeight draws it as a sliver
  }

  function rateTooltip(params) {
    const lines = [escape(params[0].name)];
    params.forEach(function (param) {
      lines.push(param.marker + escape(param.seriesName) + ": " + escape(param.data.text));
    });
    return lines.join("<br>");
  }

  draw("chart-on-time", data.on_time.units.length, 48, function (element) {
    return {
      animation: false,
      color: ["#0d6efd", "#20c997"],
      legend: {top: 0, left: "center", itemGap: 16, textStyle: {color: TEXT}},
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}, formatter: rateTooltip},
      grid: {left: 4, right: 52, top: 36, bottom: 8, containLabel: true},
      xAxis: {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%", color: MUTED}},
      yAxis: categoryAxis(element, data.on_time.units),
      series: data.on_time.series.map(function (series) {
        return {
          name: series.name, type: "bar", barMaxWidth: 14, barMinHeight: 3, barGap: "25%",
          data: series.data.map(ratePoint),
          label: {show: true, position: "right", fontSize: 11, formatter: function (p) { return p.data.text; }},
        };
      }),
    };
  });

  let pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      drawn.forEach(function (one) {
        one.chart.setOption(one.option(one.element));
        one.chart.resize();
      });
    }, 150);
  });
})();
