using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Fixpoint.Census;
using Fixpoint.IO;
using Fixpoint.Training;

namespace Fixpoint.Cli;

/// <summary>What a report holds, for the command's summary line and for tests.</summary>
internal sealed record ReportContents(int Files, int Figures, int Tables, int FixedPointRows, IReadOnlyList<string> NotShown);

/// <summary>
/// Builds one self-contained HTML page from the outputs in a folder and its subfolders: figures
/// embedded as base64 data URIs, tables from census.json and every CSV file, generic views of other
/// JSON files (certify.json, spectrum.json, …), the command lines and versions that made them, and a
/// list of every file with how it is shown; files of unknown kinds are listed, never dropped. No
/// script, no external stylesheet, font or image: the page reads offline.
/// </summary>
internal static class ReportHtml
{
    /// <summary>Rows shown per CSV or per fixed-point table; the rest are counted, not shown.</summary>
    public const int MaxRows = 1000;

    /// <summary>Figures larger than this are listed, not embedded.</summary>
    public const long MaxFigureBytes = 25L << 20;

    /// <summary>Text and raw JSON shown up to this many characters.</summary>
    public const int MaxTextChars = 200_000;

    private static readonly string[] FigureExtensions = [".png", ".jpg", ".jpeg", ".gif", ".svg"];
    private static readonly string[] TextExtensions = [".txt", ".md", ".log"];

    public static (string Html, ReportContents Contents) Build(string dir, string? exclude, string version, DateTimeOffset generated)
    {
        string root = Path.GetFullPath(dir);
        string? skip = exclude is null ? null : Path.GetFullPath(exclude);
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !string.Equals(Path.GetFullPath(f), skip, StringComparison.Ordinal) && !Path.GetFileName(f).Contains(".tmp-", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .OrderBy(f => f.Count(c => c == '/') == 0 ? 0 : 1).ThenBy(f => f, StringComparer.Ordinal)
            .ToList();

        var b = new Builder(root);
        var body = new StringBuilder();
        var index = new List<(string File, long Size, string Shown)>();
        var provenance = new List<(string File, string? Command, string? Version, string? Network)>();
        var toc = new List<(string Anchor, string Title)>();

        foreach (var group in files.GroupBy(f => Folder(f)))
        {
            string folder = group.Key;
            var names = group.ToList();
            string anchor = Anchor(folder);
            toc.Add((anchor, folder.Length == 0 ? "top folder" : folder + "/"));
            body.Append("<section class=\"folder\" id=\"").Append(anchor).Append("\"><h2>").Append(E(folder.Length == 0 ? "top folder" : folder + "/")).Append("</h2>\n");
            bool censusShown = false;
            string? census = names.FirstOrDefault(n => Path.GetFileName(n) == "census.json");
            if (census is not null)
            {
                censusShown = b.Census(body, census, out var prov);
                if (prov is not null) provenance.Add(prov.Value);
                index.Add((census, b.Size(census), censusShown ? "census summary, fixed-point and cycle tables" : "not shown: unreadable (see its section)"));
            }
            foreach (string f in names.Where(n => FigureExtensions.Contains(Ext(n))))
                index.Add((f, b.Size(f), b.Figure(body, f)));
            foreach (string f in names.Where(n => Ext(n) == ".json" && n != census))
            {
                index.Add((f, b.Size(f), b.Json(body, f, out var prov)));
                if (prov is not null) provenance.Add(prov.Value);
            }
            foreach (string f in names.Where(n => Ext(n) == ".csv"))
            {
                if (censusShown && Path.GetFileName(f) == "fixed_points.csv")
                    index.Add((f, b.Size(f), "same rows as the fixed-point table of census.json"));
                else index.Add((f, b.Size(f), b.Csv(body, f)));
            }
            foreach (string f in names.Where(n => TextExtensions.Contains(Ext(n))))
                index.Add((f, b.Size(f), b.Text(body, f)));
            var unknown = names.Where(n => n != census && !FigureExtensions.Contains(Ext(n)) && Ext(n) is not ".json" and not ".csv" && !TextExtensions.Contains(Ext(n))).ToList();
            if (unknown.Count > 0)
            {
                body.Append("<h3>Other files</h3>\n<ul class=\"unknown\">");
                foreach (string f in unknown)
                {
                    body.Append("<li><code>").Append(E(f)).Append("</code> (").Append(E(Bytes(b.Size(f)))).Append(")</li>");
                    index.Add((f, b.Size(f), "listed only (not a kind the report reads)"));
                    b.NotShown.Add(f);
                }
                body.Append("</ul>\n");
            }
            body.Append("</section>\n");
        }

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Fixpoint report: ")
            .Append(E(Path.GetFileName(root))).Append("</title>\n<style>").Append(Css).Append("</style></head><body>\n");
        html.Append("<h1>Fixpoint report</h1>\n<p class=\"meta\">Folder <code>").Append(E(root)).Append("</code>: ")
            .Append(files.Count).Append(" file(s), ").Append(b.Figures).Append(" figure(s), ").Append(b.Tables).Append(" table(s). Made by fixpoint ")
            .Append(E(version)).Append(" on ").Append(E(generated.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))).Append(".</p>\n");
        html.Append("<nav><strong>Folders:</strong> ").Append(string.Join(" · ", toc.Select(t => $"<a href=\"#{t.Anchor}\">{E(t.Title)}</a>")))
            .Append(" · <a href=\"#files\">every file</a></nav>\n");
        html.Append("<h2>Commands and versions</h2>\n");
        if (provenance.Count == 0) html.Append("<p>No file here records the command that made it.</p>\n");
        else
        {
            html.Append("<table class=\"provenance\"><thead><tr><th>file</th><th>command</th><th>fixpoint version</th><th>network</th></tr></thead><tbody>\n");
            foreach (var (file, cmd, ver, net) in provenance)
                html.Append("<tr><td><code>").Append(E(file)).Append("</code></td><td><code>").Append(E(cmd ?? "—")).Append("</code></td><td>")
                    .Append(E(ver ?? "—")).Append("</td><td>").Append(E(net ?? "—")).Append("</td></tr>\n");
            html.Append("</tbody></table>\n");
        }
        html.Append(body);
        html.Append("<h2 id=\"files\">Every file</h2>\n<table class=\"index\"><thead><tr><th>file</th><th>size</th><th>shown as</th></tr></thead><tbody>\n");
        foreach (var (file, size, shown) in index.OrderBy(i => files.IndexOf(i.File)))
            html.Append("<tr><td><code>").Append(E(file)).Append("</code></td><td class=\"num\">").Append(E(Bytes(size))).Append("</td><td>").Append(E(shown)).Append("</td></tr>\n");
        html.Append("</tbody></table>\n</body></html>\n");
        return (html.ToString(), new ReportContents(files.Count, b.Figures, b.Tables, b.FixedPointRows, b.NotShown));
    }

    private const string Css = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em auto;max-width:1200px;padding:0 1em;color:#1b1b1b;line-height:1.4}
        h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.3em;border-bottom:2px solid #ccd;padding-bottom:.2em;margin-top:1.6em}h3{font-size:1.1em;margin-top:1.2em}
        .meta{color:#555}code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}
        table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}th,td{border:1px solid #ccd;padding:.25em .5em;text-align:left;vertical-align:top}
        thead th{background:#eef0f6;position:sticky;top:0}tbody tr:nth-child(even){background:#f8f8fb}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        .stable{color:#126b2d;font-weight:600}.unstable{color:#a3261b;font-weight:600}.marginal{color:#8a6d00;font-weight:600}.uncertain{color:#8a6d00}
        figure{margin:1em 0;display:inline-block;max-width:100%}figure img{max-width:100%;height:auto;border:1px solid #ddd}figcaption{font-size:.85em;color:#555}
        pre{background:#f6f6f8;padding:.6em;overflow:auto;max-height:30em;font-size:.85em}.note{color:#555;font-style:italic}.error{color:#a3261b}
        div.wide{overflow-x:auto;max-width:100%}details{margin:.5em 0}section.folder{margin-bottom:2em}nav{margin:.5em 0;font-size:.95em}
        """;

    private static string Folder(string rel)
    {
        int i = rel.LastIndexOf('/');
        return i < 0 ? "" : rel[..i];
    }

    /// <summary>A fragment id for a folder: "f-" and its path with every other character than a letter or digit as '-'.</summary>
    private static string Anchor(string folder) =>
        "f-" + new string(folder.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray());

    private static string Ext(string f) => Path.GetExtension(f).ToLowerInvariant();

    internal static string E(string s) => WebUtility.HtmlEncode(s);

    private static string Bytes(long n) => n < 1024 ? $"{n} B" : n < 1 << 20 ? $"{n / 1024.0:0.#} KiB" : $"{n / 1048576.0:0.#} MiB";

    /// <summary>A number as the JSON shows it, to 6 significant digits: integers whole, non-finite values (null in the file) as —.</summary>
    internal static string Num(double v) =>
        !double.IsFinite(v) ? "—"
        : v == Math.Floor(v) && Math.Abs(v) < 1e15 ? ((long)v).ToString(CultureInfo.InvariantCulture)
        : v.ToString("G6", CultureInfo.InvariantCulture);

    internal static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);

    internal static string Num(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.TryGetInt64(out long l) ? l.ToString(CultureInfo.InvariantCulture) : e.GetDouble().ToString("G6", CultureInfo.InvariantCulture),
        JsonValueKind.Null or JsonValueKind.Undefined => "—",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.String => e.GetString() ?? "",
        JsonValueKind.Array => e.GetArrayLength() <= 8 && e.EnumerateArray().All(x => x.ValueKind is not JsonValueKind.Object and not JsonValueKind.Array)
            ? "[" + string.Join(", ", e.EnumerateArray().Select(Num)) + "]" : $"[{e.GetArrayLength()} values]",
        _ => "{…}",
    };

    private sealed class Builder(string root)
    {
        public int Figures { get; private set; }
        public int Tables { get; private set; }
        public int FixedPointRows { get; private set; }
        public List<string> NotShown { get; } = [];

        private string Full(string rel) => Path.Combine(root, rel);

        public long Size(string rel) => new FileInfo(Full(rel)).Length;

        public string Figure(StringBuilder h, string rel)
        {
            long size = Size(rel);
            if (size > MaxFigureBytes)
            {
                h.Append("<p class=\"note\">Figure <code>").Append(E(rel)).Append("</code> is ").Append(E(Bytes(size))).Append(", too large to embed.</p>\n");
                NotShown.Add(rel);
                return "listed only (too large to embed)";
            }
            string mime = Ext(rel) switch { ".png" => "image/png", ".jpg" or ".jpeg" => "image/jpeg", ".gif" => "image/gif", _ => "image/svg+xml" };
            h.Append("<figure><img alt=\"").Append(E(rel)).Append("\" src=\"data:").Append(mime).Append(";base64,")
                .Append(Convert.ToBase64String(File.ReadAllBytes(Full(rel)))).Append("\"><figcaption><code>").Append(E(rel)).Append("</code></figcaption></figure>\n");
            Figures++;
            return "figure (embedded)";
        }

        public string Text(StringBuilder h, string rel)
        {
            string t = File.ReadAllText(Full(rel));
            h.Append("<h3><code>").Append(E(rel)).Append("</code></h3>\n<pre>").Append(E(t.Length > MaxTextChars ? t[..MaxTextChars] + "\n…" : t)).Append("</pre>\n");
            return t.Length > MaxTextChars ? $"text (first {MaxTextChars} characters)" : "text";
        }

        public string Csv(StringBuilder h, string rel)
        {
            // The data sets' CSV reader: blank and # lines skipped, RFC 4180 quotes.
            string[][] lines = CsvDatasetReader.Rows(Full(rel)).Select(r => r.Cells).ToArray();
            h.Append("<h3><code>").Append(E(rel)).Append("</code></h3>\n");
            if (lines.Length == 0) { h.Append("<p class=\"note\">Empty.</p>\n"); return "empty table"; }
            string cls = Path.GetFileNameWithoutExtension(rel).Replace('_', '-');
            h.Append("<div class=\"wide\"><table class=\"csv ").Append(E(cls)).Append("\"><thead><tr>");
            foreach (string c in lines[0]) h.Append("<th>").Append(E(c)).Append("</th>");
            h.Append("</tr></thead><tbody>\n");
            int shown = Math.Min(lines.Length - 1, MaxRows);
            for (int i = 1; i <= shown; i++)
            {
                h.Append("<tr>");
                foreach (string c in lines[i])
                    h.Append(double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                        ? $"<td class=\"num\">{E(v.ToString("G6", CultureInfo.InvariantCulture))}</td>" : $"<td>{E(c)}</td>");
                h.Append("</tr>\n");
            }
            h.Append("</tbody></table></div>\n");
            if (lines.Length - 1 > shown) h.Append("<p class=\"note\">First ").Append(shown).Append(" of ").Append(lines.Length - 1).Append(" rows.</p>\n");
            Tables++;
            return lines.Length - 1 > shown ? $"table (first {shown} of {lines.Length - 1} rows)" : $"table ({lines.Length - 1} rows)";
        }

        /// <summary>The provenance row of a result file: from its file model when it is one (census, certify, spectrum, depth), else from its top-level strings.</summary>
        private (string, string?, string?, string?)? Provenance(string rel, JsonElement root, StringBuilder h)
        {
            ResultFile? typed = null;
            try { typed = ResultJson.ReadKnown(Full(rel)); }
            catch (ModelFormatException e) { h.Append("<p class=\"error\">").Append(E(e.Message)).Append("</p>\n"); }
            if (typed is not null)
                return typed.Command is null && typed.FixpointVersion is null ? null : (rel, typed.Command, typed.FixpointVersion, typed.Network);
            if (root.ValueKind != JsonValueKind.Object) return null;
            string? S(string k) => root.TryGetProperty(k, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            string? cmd = S("command"), ver = S("fixpointVersion"), net = S("network");
            return cmd is null && ver is null ? null : (rel, cmd, ver, net);
        }

        public bool Census(StringBuilder h, string rel, out (string, string?, string?, string?)? provenance)
        {
            provenance = null;
            h.Append("<h3>Census <code>").Append(E(rel)).Append("</code></h3>\n");
            CensusFile r;
            try { r = CensusFile.Read(Full(rel)); }
            catch (ModelFormatException e)
            {
                h.Append("<p class=\"error\">Could not read it: ").Append(E(e.Message)).Append("</p>\n");
                NotShown.Add(rel);
                return false;
            }
            if (r.Command is not null || r.FixpointVersion is not null) provenance = (rel, r.Command, r.FixpointVersion, r.Network);
            var rows = new List<(string, string)>
            {
                ("network", r.Network ?? "—"), ("command", r.Command ?? "—"), ("fixpoint version", r.FixpointVersion ?? "—"),
                ("dimension N", Num(r.Dimension)), ("starts", $"{Num(r.Starts)} of {Num(r.RequestedStarts)} ({r.StartsFrom}), seed {r.Seed.ToString(CultureInfo.InvariantCulture)}"),
                ("solver", r.Solver), ("Jacobian", r.Jacobian ?? "—"), ("partial (interrupted)", Bool(r.Partial)),
                ("outcomes", string.Join(", ", r.OutcomeEntries().Select(p => $"{p.Key} {Num(p.Value)}"))),
                ("stable fixed points Q", Num(r.Q)),
                ("distinct fixed points", Num(r.DistinctFixedPoints)),
            };
            MissingEstimate m = r.EstimatedMissing;
            rows.Add(("missed attractors (Chao1)", $"observed {Num(m.Observed)}, chao1 {Num(m.Chao1)}, missing {Num(m.Missing)}, stdError {Num(m.StdError)}, coverage {Num(m.Coverage)}, singletons {Num(m.Singletons)}, doubletons {Num(m.Doubletons)}"));
            CensusFileOptions op = r.Options;
            rows.Add(("options", $"atol {Num(op.Atol)}, rtol {Num(op.Rtol)}, maxIterations {Num(op.MaxIterations)}, maxPeriod {Num(op.MaxPeriod)}, divergenceBound {Num(op.DivergenceBound)}, uniqueTol {Num(op.UniqueTol)}, polishTol {Num(op.PolishTol)}, stabilityMargin {Num(op.StabilityMargin)}, unstable {Bool(op.Unstable)}, unstableStarts {Num(op.UnstableStarts)}"));
            rows.Add(("evaluations, seconds", $"{Num(r.Evaluations)}, {Num(r.ElapsedSeconds)}"));
            KeyValues(h, "census-summary", rows);

            int total = r.FixedPoints.Count;
            h.Append("<h4>Fixed points (").Append(total).Append(")</h4>\n");
            h.Append("<div class=\"wide\"><table class=\"fixed-points\"><thead><tr><th>#</th><th>x</th><th>residual</th><th>ρ(J)</th><th>stability</th><th>unstable dims</th><th>type</th><th>hits</th><th>basin</th><th>basin 95% CI</th><th>found by</th></tr></thead><tbody>\n");
            int k = 0;
            foreach (CensusFixedPoint f in r.FixedPoints.Take(MaxRows))
            {
                string stability = ResultJson.Key(f.Stability);
                string rho = Num(f.SpectralRadius)
                    + (f.SpectralRadiusError > 0 ? " ± " + Num(f.SpectralRadiusError) : double.IsNaN(f.SpectralRadiusError) ? " ± ?" : "");
                h.Append("<tr class=\"fp\"><td class=\"num\">").Append(k++).Append("</td><td><code>").Append(E(Vector(f.X))).Append("</code></td><td class=\"num\">")
                    .Append(E(Num(f.Residual))).Append("</td><td class=\"num\">").Append(E(rho)).Append("</td><td class=\"").Append(E(stability)).Append("\">")
                    .Append(E(stability)).Append(f.StabilityUncertain ? " <span class=\"uncertain\">(uncertain)</span>" : "").Append("</td><td class=\"num\">")
                    .Append(E(Num(f.UnstableDimensions))).Append("</td><td>").Append(E(ResultJson.Key(f.Type))).Append("</td><td class=\"num\">").Append(E(Num(f.Hits)))
                    .Append("</td><td class=\"num\">").Append(E(Num(f.BasinFraction))).Append("</td><td class=\"num\">").Append(E(Pair(f.BasinCI95)))
                    .Append("</td><td>").Append(E(ResultJson.Key(f.FoundBy))).Append("</td></tr>\n");
            }
            FixedPointRows += k;
            h.Append("</tbody></table></div>\n");
            if (total > k) h.Append("<p class=\"note\">First ").Append(k).Append(" of ").Append(total).Append(" fixed points.</p>\n");
            Tables++;
            if (r.Cycles.Count > 0)
            {
                h.Append("<h4>Cycles (").Append(r.Cycles.Count).Append(")</h4>\n<table class=\"cycles\"><thead><tr><th>#</th><th>period</th><th>first point</th><th>multiplier ρ</th><th>stability</th><th>hits</th><th>basin</th><th>basin 95% CI</th></tr></thead><tbody>\n");
                k = 0;
                foreach (CycleInfo c in r.Cycles.Take(MaxRows))
                {
                    string stability = ResultJson.Key(c.Stability);
                    string first = c.Points.Length > 0 ? Vector(c.Points[0]) : "—";
                    h.Append("<tr class=\"cycle\"><td class=\"num\">").Append(k++).Append("</td><td class=\"num\">").Append(E(Num(c.Period))).Append("</td><td><code>")
                        .Append(E(first)).Append("</code></td><td class=\"num\">").Append(E(Num(c.MultiplierRadius))).Append("</td><td class=\"").Append(E(stability)).Append("\">")
                        .Append(E(stability)).Append("</td><td class=\"num\">").Append(E(Num(c.Hits))).Append("</td><td class=\"num\">").Append(E(Num(c.BasinFraction)))
                        .Append("</td><td class=\"num\">").Append(E(Pair(c.BasinCI95))).Append("</td></tr>\n");
                }
                h.Append("</tbody></table>\n");
                Tables++;
            }
            return true;
        }

        /// <summary>A point as (x0, x1, …): every coordinate up to 8, else the first 6 and the count.</summary>
        private static string Vector(double[] x)
        {
            var v = x.Select(Num).ToList();
            return v.Count <= 8 ? "(" + string.Join(", ", v) + ")" : "(" + string.Join(", ", v.Take(6)) + $", … {v.Count} values)";
        }

        private static string Pair((double Lo, double Hi) p) => $"[{Num(p.Lo)}, {Num(p.Hi)}]";

        private static string Bool(bool b) => b ? "true" : "false";

        private void KeyValues(StringBuilder h, string cls, IEnumerable<(string Key, string Value)> rows)
        {
            h.Append("<table class=\"").Append(E(cls)).Append("\"><tbody>\n");
            foreach (var (k, v) in rows) h.Append("<tr><th>").Append(E(k)).Append("</th><td>").Append(E(v)).Append("</td></tr>\n");
            h.Append("</tbody></table>\n");
            Tables++;
        }

        /// <summary>Any other JSON file: top-level values as a key/value table, arrays of objects as tables, and the raw text.</summary>
        public string Json(StringBuilder h, string rel, out (string, string?, string?, string?)? provenance)
        {
            provenance = null;
            h.Append("<h3><code>").Append(E(rel)).Append("</code></h3>\n");
            string text = File.ReadAllText(Full(rel));
            JsonDocument doc;
            try { doc = JsonDocument.Parse(text); }
            catch (JsonException e)
            {
                h.Append("<p class=\"error\">Not valid JSON: ").Append(E(e.Message)).Append("</p>\n");
                NotShown.Add(rel);
                return "listed only (not valid JSON)";
            }
            using (doc)
            {
                JsonElement r = doc.RootElement;
                provenance = Provenance(rel, r, h);
                if (r.ValueKind == JsonValueKind.Object)
                {
                    var scalars = new List<(string, string)>();
                    foreach (JsonProperty p in r.EnumerateObject())
                    {
                        if (p.Value.ValueKind == JsonValueKind.Object && p.Value.EnumerateObject().All(q => q.Value.ValueKind is not JsonValueKind.Object and not JsonValueKind.Array || Num(q.Value).Length < 120))
                            scalars.AddRange(p.Value.EnumerateObject().Select(q => ($"{p.Name}.{q.Name}", Num(q.Value))));
                        else if (p.Value.ValueKind != JsonValueKind.Array || !IsTable(p.Value))
                            scalars.Add((p.Name, Num(p.Value)));
                    }
                    if (scalars.Count > 0) KeyValues(h, "json-values", scalars);
                    foreach (JsonProperty p in r.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array && IsTable(p.Value)))
                        ObjectTable(h, p.Name, p.Value);
                }
                else if (r.ValueKind == JsonValueKind.Array && IsTable(r)) ObjectTable(h, "", r);
            }
            h.Append("<details><summary>raw JSON</summary><pre>").Append(E(text.Length > MaxTextChars ? text[..MaxTextChars] + "\n…" : text)).Append("</pre></details>\n");
            return "values and tables, raw JSON";
        }

        private static bool IsTable(JsonElement a) => a.GetArrayLength() > 0 && a.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Object);

        private void ObjectTable(StringBuilder h, string name, JsonElement a)
        {
            var cols = new List<string>();
            foreach (JsonElement e in a.EnumerateArray())
                foreach (JsonProperty p in e.EnumerateObject())
                    if (!cols.Contains(p.Name)) cols.Add(p.Name);
            if (name.Length > 0) h.Append("<h4>").Append(E(name)).Append(" (").Append(a.GetArrayLength()).Append(")</h4>\n");
            h.Append("<div class=\"wide\"><table class=\"json-table\"><thead><tr><th>#</th>");
            foreach (string c in cols) h.Append("<th>").Append(E(c)).Append("</th>");
            h.Append("</tr></thead><tbody>\n");
            int k = 0;
            foreach (JsonElement e in a.EnumerateArray().Take(MaxRows))
            {
                h.Append("<tr><td class=\"num\">").Append(k++).Append("</td>");
                foreach (string c in cols)
                    h.Append("<td>").Append(E(e.TryGetProperty(c, out JsonElement v) ? Num(v) : "")).Append("</td>");
                h.Append("</tr>\n");
            }
            h.Append("</tbody></table></div>\n");
            if (a.GetArrayLength() > k) h.Append("<p class=\"note\">First ").Append(k).Append(" of ").Append(a.GetArrayLength()).Append(" rows.</p>\n");
            Tables++;
        }
    }
}
