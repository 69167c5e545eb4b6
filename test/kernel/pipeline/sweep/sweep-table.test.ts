// The comparison: the table in HTML, markdown and text, its rows as dicts, the SVG chart (a line
// per value of the other parameters), the suggestion line, all with the notebook's text escaped.
import { describe, expect, it } from "vitest";
import { sweepChart, ticks } from "../../../../kernel/pipeline/sweep/sweep-chart.js";
import { parseSweep, scenarios } from "../../../../kernel/pipeline/sweep/sweep-spec.js";
import { sweepSuggestion } from "../../../../kernel/pipeline/sweep/sweep-suggestion.js";
import { formatValue, sweepRow, sweepTable, tableHtml, tableMarkdown, tableRecords, tableText } from "../../../../kernel/pipeline/sweep/sweep-table.js";

function loanTable(withError = false) {
  const spec = parseSweep("rate=0.03:0.05:0.01 years=15,30", ["principal", "rate", "years"], 200);
  if (!spec.ok) throw new Error(spec.message);
  const rows = scenarios(spec.axes).map((scenario, i) => {
    const rate = scenario[0]!.value.value as number;
    const years = scenario[1]!.value.value as number;
    const r = rate / 12;
    const payment = (200000 * r) / (1 - (1 + r) ** -(years * 12));
    if (withError && i === 2) return sweepRow(scenario, { values: {}, error: "ValueError: <bad> & worse" });
    return sweepRow(scenario, { values: { payment, "total <paid>": payment * years * 12 } });
  });
  return sweepTable(["rate", "years"], rows);
}

describe("the sweep table", () => {
  it("has a row per scenario: the parameters as written, then the results", () => {
    const table = loanTable();
    expect(table.columns).toEqual(["payment", "total <paid>"]);
    const text = tableText(table).split("\n");
    expect(text[0]).toMatch(/^rate\s+years\s+payment\s+total <paid>$/);
    expect(text).toHaveLength(2 + 6);
    expect(text[2]).toMatch(/^0\.03\s+15\s+1381\.163\s+248609\.4$/);
    const markdown = tableMarkdown(table).split("\n");
    expect(markdown[0]).toBe("| rate | years | payment | total &lt;paid&gt; |");
    expect(markdown[1]).toBe("| ---: | ---: | ---: | ---: |");
    expect(markdown).toHaveLength(8);
  });

  it("escapes what the code printed in the HTML and shows errors in their own column", () => {
    const html = tableHtml(loanTable(true), "Sweep <of> “a & b”");
    expect(html).not.toMatch(/<paid>|<bad>|<of>/);
    expect(html).toContain("total &lt;paid&gt;");
    expect(html).toContain("ValueError: &lt;bad&gt; &amp; worse");
    expect(html.match(/<tr data-scenario=/g)).toHaveLength(6);
    expect(html).toContain('<th scope="col">error</th>');
  });

  it("gives its rows as dicts for sweep_results", () => {
    const records = tableRecords(loanTable(true));
    expect(records).toHaveLength(6);
    expect(records[0]).toMatchObject({ rate: 0.03, years: 15, error: null });
    expect(records[0]!.payment).toBeCloseTo(1381.16, 2);
    expect(records[2]).toEqual({ rate: 0.04, years: 15, payment: null, "total <paid>": null, error: "ValueError: <bad> & worse" });
  });

  it("formats numbers without float noise", () => {
    expect(formatValue(0.07 + 0.000000000000001)).toBe("0.07");
    expect(formatValue(1073.6432)).toBe("1073.643");
    expect(formatValue(30)).toBe("30");
    expect(formatValue(NaN)).toBe("NaN");
  });
});

describe("the sweep chart", () => {
  it("draws each numeric result against the first numeric parameter, a line per other value", () => {
    const chart = sweepChart(loanTable());
    if ("none" in chart) throw new Error(chart.none);
    expect(chart.description).toBe("Chart: payment, total <paid> against rate, one line per years");
    expect(chart.svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(chart.svg.match(/<polyline /g)).toHaveLength(4); // 2 panels × 2 values of years
    expect(chart.svg.match(/<circle /g)).toHaveLength(12);
    expect(chart.svg).toContain(">years = 15<");
    expect(chart.svg).toContain("total &lt;paid&gt; against rate");
    expect(chart.svg).not.toMatch(/<script|href=|<paid>|on\w+=/);
  });

  it("says why there is no chart", () => {
    const spec = parseSweep("principal=a,b", ["principal"], 10);
    if (!spec.ok) throw new Error(spec.message);
    const table = sweepTable(
      ["principal"],
      scenarios(spec.axes).map((s) => sweepRow(s, { values: { x: 1 } })),
    );
    expect(sweepChart(table)).toEqual({ none: "no chart: no swept parameter takes several numeric values" });
  });

  it("makes round ticks covering the range", () => {
    expect(ticks(0.03, 0.08)).toEqual([0.03, 0.04, 0.05, 0.06, 0.07, 0.08]);
    expect(ticks(1073, 1800)).toEqual([1000, 1200, 1400, 1600, 1800]);
    expect(ticks(5, 5)).toEqual([4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6]);
  });
});

describe("the sweep suggestion", () => {
  it("suggests half, the same and one and a half times each numeric parameter", () => {
    expect(sweepSuggestion("Monthly payment of a loan of {principal=200000} at {rate=0.05} over {years=30} years")).toBe(
      "%luci sweep principal=100000,200000,300000 rate=0.025,0.05,0.075 years=15,30,45",
    );
    expect(sweepSuggestion("Simulate {n=5} dice, {label='x'}")).toBe("%luci sweep n=3,5,8");
    expect(sweepSuggestion("Simulate {city='Paris'}")).toBeUndefined();
  });
});
