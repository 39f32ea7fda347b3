/* backstride dashboard charts: uPlot (bundled, MIT) over the JSON embedded in each page.
   Every chart is a <figure class="chart" id=NAME data-source=SCRIPT_ID>; the builder named
   NAME draws it. After drawing, the figure gets data-rendered="1" and data-points=N (the
   number of values drawn), which the browser tests read. Colour is never the only signal:
   series names are words, and a <details> table with the numbers follows each chart. */
(function () {
  "use strict";
  window.bsCharts = {};

  function json(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  /* Colours come from the page (service/colours.py, embedded as #palette): a colour means
     a severity on every page and in the report; a rule's outcome is drawn in its own. */
  var PALETTE = json("palette");
  var COLOURS = {
    bar: PALETTE.neutral, line1: PALETTE.lines[0], line2: PALETTE.lines[1],
    line3: PALETTE.lines[2], line4: PALETTE.lines[3]
  };
  Object.keys(PALETTE.kinds).forEach(function (k) { COLOURS[k] = PALETTE.kinds[k]; });
  function ruleColour(rule, outcome) { return PALETTE.rules[rule][outcome]; }
  /* The catalogue's thresholds, embedded by every page (issue 13): labels never restate one. */
  function pct(value) { return String(Math.round(value * 1000) / 10); }
  function thresholds() { return json("thresholds") || {}; }
  function l1Words() {
    var t = thresholds().L1 || {};
    var a = pct(t.caution_above), b = pct(t.high_above), c = pct(t.very_high_above);
    return {
      ok: "run: fine (within " + a + "%)", caution: "run: small spike (" + a + "-" + b + "%)",
      high: "run: moderate spike (" + b + "-" + c + "%)", very_high: "run: large spike (over " + c + "%)",
      after_break: "run: after a break", first: "run: first run"
    };
  }
  function day(iso) { return Date.parse(iso + "T00:00:00Z") / 1000; }
  function utc(ts) { return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); }
  function km(m) { return m == null ? null : Math.round(m / 10) / 100; }
  function bars(size) { return uPlot.paths.bars({ size: [0.8, size || 40] }); }
  function barSeries(label, colour, size) {
    return { label: label, fill: colour, stroke: colour, paths: bars(size), points: { show: false } };
  }
  function points(colour) {
    return { paths: function () { return null; }, stroke: colour, fill: colour,
             points: { show: true, size: 9, stroke: colour, fill: colour } };
  }
  function countPoints(data) {
    var n = 0;
    for (var s = 1; s < data.length; s++) {
      for (var i = 0; i < data[s].length; i++) { if (data[s][i] != null) { n++; } }
    }
    return n;
  }
  function draw(fig, opts, data, counted) {
    var holder = fig.querySelector(".plot");
    var width = Math.max(280, holder.clientWidth || fig.clientWidth || 600);
    opts.width = width;
    opts.height = opts.height || Math.min(280, Math.round(width * 0.55));
    if (opts.scales && opts.scales.x && opts.scales.x.time) {
      opts.tzDate = utc;
      opts.scales.x.range = function (u, min, max) {  // one day alone: a month around it
        return min === max ? [min - 15 * 86400, max + 15 * 86400] : [min - 3 * 86400, max + 3 * 86400];
      };
      if (!opts.series[0].label) { opts.series[0] = { label: "date", value: "{YYYY}-{MM}-{DD}" }; }
    }
    var plot = new uPlot(opts, data, holder);
    fig.dataset.points = String(counted != null ? counted : countPoints(data));
    fig.dataset.rendered = "1";
    window.bsCharts[fig.id] = plot;
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        var w = Math.max(280, holder.clientWidth);
        if (Math.abs(w - plot.width) > 4) {
          plot.setSize({ width: w, height: Math.min(280, Math.round(w * 0.55)) });
        }
      }).observe(holder);
    }
    return plot;
  }
  function empty(fig, text) {
    fig.querySelector(".plot").textContent = text;
    fig.dataset.points = "0";
    fig.dataset.rendered = "1";
  }
  function timeX() { return { x: { time: true }, y: { range: fromZero } }; }
  function fromZero(u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; }

  /* A rule's limit drawn as a reference line: data-limit="RULE.threshold" names it in the
     catalogue (never a number in the page); data-mirror="M" adds M - limit too (a balance
     limit holds on either side of 50). */
  function referenceLines(fig, x, data, series) {
    var ref = fig.dataset.limit;
    if (!ref) { return; }
    var parts = ref.split(".");
    var limit = (thresholds()[parts[0]] || {})[parts[1]];
    if (limit == null) { return; }
    var values = [limit];
    if (fig.dataset.mirror) { values.push(Number(fig.dataset.mirror) - limit); }
    values.forEach(function (v) {
      data.push(x.map(function () { return v; }));
      series.push({ label: parts[0] + " limit " + (Math.round(v * 10) / 10) + "%",
                    stroke: ruleColour(parts[0], fig.dataset.outcome), width: 1.5, dash: [6, 4],
                    points: { show: false } });
    });
  }

  var builders = {
    "weekly-distance": function (fig, chart) {
      var weeks = chart.weeks;
      var x = weeks.map(function (w) { return day(w.week_start); });
      var plain = weeks.map(function (w) { return w.l2_flag ? null : km(w.run_distance_m); });
      var data = [x, plain];
      var series = [{}, barSeries("week km", COLOURS.bar)];
      // One series per L2 outcome that flags a week, in that outcome's colour (its severity).
      var outcomes = Object.keys(PALETTE.rules.L2).filter(function (o) {
        var c = PALETTE.rules.L2[o];
        return c !== PALETTE.severity.ok && c !== PALETTE.severity.info;
      });
      outcomes.forEach(function (o) {
        data.push(weeks.map(function (w) {
          return w.l2_flag && w.l2 && w.l2.outcome === o ? km(w.run_distance_m) : null;
        }));
        series.push(barSeries("week km, L2 " + o + ": over +" +
                              pct((thresholds().L2 || {}).flag_above) + "% on the week before",
                              ruleColour("L2", o)));
      });
      draw(fig, { scales: timeX(), series: series, axes: [{}, { label: "km per week" }] },
           data, weeks.length);
    },
    "run-spikes": function (fig, chart) {
      var runs = chart.runs;
      if (!runs.length) { return empty(fig, "No runs in these weeks."); }
      var levels = ["ok", "caution", "high", "very_high", "after_break", "first"];
      var x = runs.map(function (r) { return day(r.date); });
      var data = [x];
      var series = [{}];
      var words = l1Words();
      levels.forEach(function (level) {
        data.push(runs.map(function (r) { return r.l1 === level ? km(r.distance_m) : null; }));
        var s = points(ruleColour("L1", level));
        if (level === "after_break" || level === "first") { s.points.fill = "#fff"; }  // hollow
        s.label = words[level];
        series.push(s);
      });
      draw(fig, { scales: timeX(), series: series, axes: [{}, { label: "km per run" }] }, data);
    },
    "acwr-fitness": function (fig, chart) {
      var d = chart.daily;
      if (!d.date.length) { return empty(fig, "No activities yet."); }
      var l4 = thresholds().L4 || {};
      draw(fig, {
        scales: { x: { time: true }, ratio: { range: fromZero }, au: { range: fromZero } },
        series: [{},
          { label: "acute:chronic ratio (context)", scale: "ratio", stroke: COLOURS.line1, width: 2 },
          { label: "fitness (" + l4.fitness_days + "-day)", scale: "au", stroke: COLOURS.line2, width: 1.5 },
          { label: "fatigue (" + l4.fatigue_days + "-day)", scale: "au", stroke: COLOURS.line3, width: 1.5, dash: [6, 4] }],
        axes: [{}, { scale: "ratio", label: "ratio" },
               { scale: "au", side: 1, label: "load a.u./day", grid: { show: false } }]
      }, [d.date.map(day), d.acwr, d.fitness_au, d.fatigue_au]);
    },
    "load-by-kind": function (fig, chart) {
      var weeks = chart.weeks;
      var kinds = ["run", "walk", "ride", "swim", "strength", "other", "unknown"];
      var x = weeks.map(function (w) { return day(w.week_start); });
      var cumulative = weeks.map(function () { return 0; });
      var stacked = kinds.map(function (k) {
        return weeks.map(function (w, i) {
          cumulative[i] += w.load_by_kind_au[k];
          return cumulative[i] > 0 ? Math.round(cumulative[i]) : null;
        });
      });
      var data = [x];
      var series = [{}];
      for (var i = kinds.length - 1; i >= 0; i--) {  // tallest first, so each shows on top
        data.push(stacked[i]);
        series.push(barSeries(kinds[i] + " (stacked)", COLOURS[kinds[i]]));
      }
      draw(fig, { scales: timeX(), series: series, axes: [{}, { label: "load a.u. per week" }] },
           data, weeks.length);
    },
    "pain-load": function (fig, src) {
      var entries = src.pain.entries;
      var weeks = src.load.weeks;
      var moments = ["before", "during", "after", "next-morning"];
      var colours = [COLOURS.line1, COLOURS.line3, COLOURS.line2, COLOURS.line4];
      var xs = {};
      weeks.forEach(function (w) { xs[day(w.week_start)] = true; });
      entries.forEach(function (e) { xs[day(e.date)] = true; });
      var x = Object.keys(xs).map(Number).sort(function (a, b) { return a - b; });
      var kmBy = {};
      weeks.forEach(function (w) { kmBy[day(w.week_start)] = km(w.run_distance_m); });
      var data = [x, x.map(function (t) { return t in kmBy ? kmBy[t] : null; })];
      var series = [{}, { label: "running km that week", scale: "km", stroke: COLOURS.bar,
                          fill: "rgba(92,127,163,0.15)", spanGaps: true,
                          paths: uPlot.paths.stepped({ align: 1 }) }];
      moments.forEach(function (m, k) {
        data.push(x.map(function (t) {
          var found = null;
          entries.forEach(function (e) { if (e.when === m && day(e.date) === t) { found = e.nrs; } });
          return found;
        }));
        var s = points(colours[k]);
        s.label = "pain " + m + " (0-10)";
        s.scale = "nrs";
        series.push(s);
      });
      draw(fig, {
        scales: { x: { time: true }, nrs: { range: [0, 10] }, km: { range: fromZero } },
        series: series,
        axes: [{}, { scale: "nrs", label: "pain 0-10" },
               { scale: "km", side: 1, label: "km per week", grid: { show: false } }]
      }, data);
    },
    "cadence-speed": function (fig, src) {
      var runs = src.form.runs.filter(function (r) { return r.speed_mps && r.cadence_spm; });
      if (!runs.length) { return empty(fig, "No runs with cadence in the year before this day."); }
      runs.sort(function (a, b) { return a.speed_mps - b.speed_mps; });
      var x = runs.map(function (r) { return Math.round(r.speed_mps * 100) / 100; });
      var data = [x, runs.map(function (r) { return Math.round(r.cadence_spm); })];
      var series = [{ label: "speed m/s" }, Object.assign(points(COLOURS.bar), { label: "run cadence (steps/min)" })];
      var f1 = src.f1;
      if (f1 && f1.values && f1.values.intercept_spm != null) {
        var v = f1.values;
        var step = v.target_5_spm / v.baseline_spm;
        data.push(x.map(function (s) { return Math.round((v.intercept_spm + v.slope_spm_per_mps * s) * 10) / 10; }));
        data.push(x.map(function (s) { return Math.round((v.intercept_spm + v.slope_spm_per_mps * s) * step * 10) / 10; }));
        series.push({ label: "your baseline", stroke: COLOURS.line1, width: 2 });
        series.push({ label: "+" + pct((thresholds().F1 || {}).first_step) + "% target (optional)", stroke: COLOURS.line2, width: 2, dash: [6, 4] });
      }
      draw(fig, { scales: { x: { time: false } }, series: series,
                  axes: [{ label: "speed m/s" }, { label: "steps/min" }] }, data, runs.length);
    },
    "trend": function (fig, src) {
      var runs = src.form.runs;
      var name = fig.dataset.metric;
      var scale = Number(fig.dataset.scale || 1);
      var values = runs.map(function (r) {
        return r[name] == null ? null : Math.round(r[name] * scale * 10) / 10;
      });
      if (!values.some(function (v) { return v != null; })) {
        return empty(fig, "Not recorded: this needs a watch or sensor with running dynamics.");
      }
      var s = points(COLOURS.line1);
      s.label = fig.dataset.label;
      var x = runs.map(function (r) { return day(r.date); });
      var data = [x, values];
      var series = [{}, s];
      referenceLines(fig, x, data, series);
      draw(fig, { scales: { x: { time: true } }, series: series,
                  axes: [{}, { label: fig.dataset.label }], height: 200 },
           data, countPoints([x, values]));
    },
    "shoe-distance": function (fig, src) {
      var shoes = src.shoes;
      if (!shoes.length) { return empty(fig, "No shoes yet."); }
      var x = shoes.map(function (s, i) { return i; });
      var marks = src.marks;
      var replaceMark = Object.assign(points(ruleColour("S1", "replace")), { label: "replace at km (S1)" });
      replaceMark.points.fill = "#fff";  // hollow: the same severity as inspect, another mark
      var data = [x, shoes.map(function (s) { return km(s.distance_m); }),
                  shoes.map(function (s) { return km(s.inspect_at_m || marks.inspect_at_m); }),
                  shoes.map(function (s) { return km(s.replace_at_m || marks.replace_at_m); })];
      draw(fig, {
        scales: { x: { time: false, range: [-0.6, shoes.length - 0.4] }, y: { range: fromZero } },
        series: [{ label: "shoe", value: function (u, v) { return v == null ? "" : (shoes[v] || {}).name; } },
                 barSeries("km run", COLOURS.bar, 60),
                 Object.assign(points(ruleColour("S1", "inspect")), { label: "inspect at km (S1)" }),
                 replaceMark],
        axes: [{ grid: { show: false }, values: function (u, ticks) { return ticks.map(function (t) { return Number.isInteger(t) && shoes[t] ? shoes[t].name : ""; }); } },
               { label: "km" }]
      }, data, shoes.length);
    },
    "streams": function (fig, src) {
      var s = src.streams;
      var name = fig.dataset.channel;
      var values = s.channels[name];
      var scale = { speed_mps: function (v) { return v > 1.0 ? Math.round(1000 / 60 / v * 100) / 100 : null; },
                    vertical_oscillation_m: function (v) { return Math.round(v * 1000) / 10; },
                    stance_time_s: function (v) { return Math.round(v * 1000); },
                    step_length_m: function (v) { return Math.round(v * 100) / 100; } }[name];
      var pace = name === "speed_mps" && fig.dataset.foot === "1";
      if (name === "speed_mps" && !pace) {
        scale = function (v) { return Math.round(v * 36) / 10; };  // km/h for rides, swims ...
      }
      var shown = values.map(function (v) { return v == null ? null : (scale ? scale(v) : v); });
      var minutes = s.elapsed_s.map(function (t) { return t == null ? null : Math.round(t / 6) / 10; });
      var data = [minutes, shown];
      var series = [{ label: "minutes" }, { label: fig.dataset.label, stroke: COLOURS.line1, width: 1.5 }];
      referenceLines(fig, minutes, data, series);
      draw(fig, { scales: { x: { time: false }, y: pace ? { dir: -1 } : {} },
                  series: series,
                  axes: [{ label: "minutes" }, { label: fig.dataset.label }], height: 200 },
           data, countPoints([minutes, shown]));
    }
  };

  function drawAll() {
    var figures = document.querySelectorAll("figure.chart");
    for (var i = 0; i < figures.length; i++) {
      var fig = figures[i];
      var build = builders[fig.dataset.builder || fig.id];
      var src = json(fig.dataset.source);
      if (!build || src == null) { continue; }
      try { build(fig, src); } catch (e) {
        fig.dataset.error = String(e);
        fig.querySelector(".plot").textContent = "The chart could not be drawn; the table below has the numbers.";
      }
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else { drawAll(); }
})();
