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

    /// <summary>Fixed points whose coordinates and eigenvalues are shown in full, per census.</summary>
    public const int MaxDetailPoints = 200;

    /// <summary>Figures larger than this are listed, not embedded.</summary>
    public const long MaxFigureBytes = 25L << 20;

    /// <summary>Text and raw JSON shown up to this many characters.</summary>
    public const int MaxTextChars = 200_000;

    private static readonly string[] FigureExtensions = [".png", ".jpg", ".jpeg", ".gif", ".svg"];
    private static readonly string[] TextExtensions = [".txt", ".md", ".log"];

    /// <summary>The census's pictures, shown first and in this order after its tables.</summary>
    private static readonly string[] CensusFigures = ["census.png", "eigenvalues.png", "basins.png"];

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
            foreach (string f in names.Where(n => FigureExtensions.Contains(Ext(n))).OrderBy(n => Array.IndexOf(CensusFigures, Path.GetFileName(n)) is int i && i >= 0 ? i : CensusFigures.Length))
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
        if (b.Warnings.Count > 0)
        {
            html.Append("<section class=\"warnings\"><h2>Warnings</h2>\n<ul>");
            foreach (var (file, text) in b.Warnings)
                html.Append("<li><a href=\"#").Append(Anchor(Folder(file))).Append("\"><code>").Append(E(file)).Append("</code></a>: ").Append(E(text)).Append("</li>\n");
            html.Append("</ul></section>\n");
        }
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
        section.warnings{background:#fff4e5;border:1px solid #e0a040;padding:.2em 1em;margin:1em 0}section.warnings h2{border:none;margin-top:.4em}
        tr.fp-detail td{background:#fff;border-top:none}div.detail{max-width:1100px}div.detail code{word-break:normal;overflow-wrap:anywhere}table.eigenvalues{font-size:.85em}table.kv{font-size:.9em;margin:.2em 0}
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

    /// <summary>A number to 4 significant digits (<see cref="Format.Sig"/>: "8.941e-7", "0.9877"): integers whole, non-finite values (null in the file) as —.</summary>
    internal static string Num(double v) => Num(v, 4);

    /// <summary>A number to <paramref name="digits"/> significant digits; integers whole; — when not finite.</summary>
    internal static string Num(double v, int digits) =>
        !double.IsFinite(v) ? "—"
        : v == Math.Floor(v) && Math.Abs(v) < 1e15 ? ((long)v).ToString(CultureInfo.InvariantCulture)
        : Format.Sig(v, digits);

    /// <summary>A share of the starts as a percentage (<see cref="Format.Share"/>); — when not finite.</summary>
    internal static string Share(double v) => double.IsFinite(v) ? Format.Share(v) : "—";

    internal static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);

    internal static string Num(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.TryGetInt64(out long l) ? l.ToString(CultureInfo.InvariantCulture) : Num(e.GetDouble()),
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
        public List<(string File, string Text)> Warnings { get; } = [];

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
                        ? $"<td class=\"num\">{E(Num(v))}</td>" : $"<td>{E(c)}</td>");
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

            Warn(rel, r);
            int total = r.FixedPoints.Count;
            JsonElement[] raw = RawFixedPoints(rel);
            h.Append("<h4>Fixed points (").Append(total).Append(")</h4>\n");
            if (total == 0) h.Append("<p class=\"note\">None found.</p>\n");
            else h.Append("<div class=\"wide\"><table class=\"fixed-points\"><thead><tr><th>#</th><th>x</th><th>residual</th><th>ρ(J)</th><th>stability</th><th>unstable dims</th><th>type</th><th>hits</th><th>basin</th><th>basin 95% CI</th><th>found by</th></tr></thead><tbody>\n");
            int k = 0;
            foreach (CensusFixedPoint f in r.FixedPoints.Take(MaxRows))
            {
                string stability = ResultJson.Key(f.Stability);
                string rho = Num(f.SpectralRadius, 6)
                    + (f.SpectralRadiusError > 0 ? " ± " + Num(f.SpectralRadiusError, 2) : double.IsNaN(f.SpectralRadiusError) ? " ± ?" : "");
                h.Append("<tr class=\"fp\"><td class=\"num\">").Append(k).Append("</td><td><code>").Append(E(Vector(f.X))).Append("</code></td><td class=\"num\">")
                    .Append(E(Num(f.Residual, 3))).Append("</td><td class=\"num\">").Append(E(rho)).Append("</td><td class=\"").Append(E(stability)).Append("\">")
                    .Append(E(stability)).Append(f.StabilityUncertain ? " <span class=\"uncertain\">(uncertain)</span>" : "").Append("</td><td class=\"num\">")
                    .Append(E(Num(f.UnstableDimensions))).Append("</td><td>").Append(E(ResultJson.Key(f.Type))).Append("</td><td class=\"num\">").Append(E(Num(f.Hits)))
                    .Append("</td><td class=\"num\">").Append(E(Share(f.BasinFraction))).Append("</td><td class=\"num\">").Append(E(Pair(f.BasinCI95)))
                    .Append("</td><td>").Append(E(ResultJson.Key(f.FoundBy))).Append("</td></tr>\n");
                if (k < MaxDetailPoints) Detail(h, k, f, k < raw.Length ? raw[k] : default);
                k++;
            }
            FixedPointRows += k;
            if (total > 0) h.Append("</tbody></table></div>\n");
            if (total > k) h.Append("<p class=\"note\">First ").Append(k).Append(" of ").Append(total).Append(" fixed points.</p>\n");
            if (k > MaxDetailPoints) h.Append("<p class=\"note\">Coordinates and eigenvalues of the first ").Append(MaxDetailPoints).Append(" fixed points; census.json holds them all.</p>\n");
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
                        .Append(E(first)).Append("</code></td><td class=\"num\">").Append(E(Num(c.MultiplierRadius, 6))).Append("</td><td class=\"").Append(E(stability)).Append("\">")
                        .Append(E(stability)).Append("</td><td class=\"num\">").Append(E(Num(c.Hits))).Append("</td><td class=\"num\">").Append(E(Share(c.BasinFraction)))
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
            var v = x.Select(c => Num(c)).ToList();
            return v.Count <= 8 ? "(" + string.Join(", ", v) + ")" : "(" + string.Join(", ", v.Take(4)) + $", … {v.Count} values)";
        }

        /// <summary>Every coordinate, to 6 significant digits.</summary>
        private static string FullVector(double[] x) => "(" + string.Join(", ", x.Select(c => Num(c, 6))) + ")";

        /// <summary>λ as "re ± im·i" to 4 significant digits.</summary>
        private static string Eigenvalue(System.Numerics.Complex z) =>
            Num(z.Real) + (z.Imaginary == 0 ? "" : (z.Imaginary > 0 ? " + " : " − ") + Num(Math.Abs(z.Imaginary)) + "i");

        /// <summary>The fields census.json's fixed points have in this version; any other (modes, from a later version) is shown as it is.</summary>
        private static readonly HashSet<string> KnownPointFields =
        [
            "x", "residual", "polished", "spectralRadius", "stability", "unstableDimensions", "type", "eigenvalues", "eigenvalueMethod",
            "eigenvalueResidual", "hits", "basinFraction", "basinCI95", "foundBy", "spectralRadiusError", "stabilityUncertain", "ball",
        ];

        /// <summary>The fixed points of census.json as raw JSON, for the fields the typed reader does not know; empty when unreadable.</summary>
        private JsonElement[] RawFixedPoints(string rel)
        {
            try
            {
                using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Full(rel)));
                return doc.RootElement.TryGetProperty("fixedPoints", out JsonElement a) && a.ValueKind == JsonValueKind.Array
                    ? a.EnumerateArray().Select(e => e.Clone()).ToArray() : [];
            }
            catch (JsonException) { return []; }
        }

        /// <summary>A row under the point's row: its coordinates, eigenvalues, proved ball and any further fields (modes) behind a disclosure.</summary>
        private static void Detail(StringBuilder h, int k, CensusFixedPoint f, JsonElement raw)
        {
            var extra = raw.ValueKind == JsonValueKind.Object ? raw.EnumerateObject().Where(p => !KnownPointFields.Contains(p.Name)).ToList() : [];
            h.Append("<tr class=\"fp-detail\"><td></td><td colspan=\"10\"><details><summary>#").Append(k).Append(": ").Append(f.X.Length).Append(" coordinates, ")
                .Append(f.Eigenvalues.Length).Append(" eigenvalue(s)");
            foreach (var p in extra) h.Append(", ").Append(E(p.Name));
            h.Append("</summary>\n<div class=\"detail\"><p><strong>x</strong> <code>").Append(E(FullVector(f.X))).Append("</code></p>\n");
            if (f.Eigenvalues.Length > 0)
            {
                string method = f.EigenvalueMethod is null ? "" : $", {ResultJson.Key(f.EigenvalueMethod.Value)}";
                h.Append("<p><strong>eigenvalues</strong> <span class=\"note\">(by decreasing |λ|").Append(E(method))
                    .Append(f.EigenvalueResidual is double er && er > 0 ? E($", residual ≤ {Num(er, 2)}") : "").Append(")</span></p>\n<table class=\"eigenvalues\"><thead><tr><th>λ</th><th>|λ|</th></tr></thead><tbody>");
                foreach (var z in f.Eigenvalues)
                    h.Append("<tr><td class=\"num\">").Append(E(Eigenvalue(z))).Append("</td><td class=\"num").Append(z.Magnitude > 1 ? " unstable" : "").Append("\">")
                        .Append(E(Num(z.Magnitude))).Append("</td></tr>");
                h.Append("</tbody></table>\n");
            }
            if (f.Ball is not null)
                h.Append("<p><strong>proved ball</strong> ").Append(E(JsonSerializer.Serialize(f.Ball, CensusFile.JsonOptions))).Append("</p>\n");
            foreach (var p in extra)
            {
                h.Append("<div class=\"extra\"><strong>").Append(E(p.Name)).Append("</strong> ");
                Render(h, p.Value, 0);
                h.Append("</div>\n");
            }
            h.Append("</div></details></td></tr>\n");
        }

        /// <summary>Any JSON value in full: objects as key/value tables, arrays of objects as numbered lists, arrays of numbers inline.</summary>
        private static void Render(StringBuilder h, JsonElement e, int depth)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object when depth < 6:
                    h.Append("<table class=\"kv\"><tbody>");
                    foreach (JsonProperty p in e.EnumerateObject())
                    {
                        h.Append("<tr><th>").Append(E(p.Name)).Append("</th><td>");
                        Render(h, p.Value, depth + 1);
                        h.Append("</td></tr>");
                    }
                    h.Append("</tbody></table>");
                    break;
                case JsonValueKind.Array when depth < 6 && e.EnumerateArray().Any(x => x.ValueKind is JsonValueKind.Object || x.ValueKind is JsonValueKind.Array && x.GetArrayLength() > 2):
                    h.Append("<ol start=\"0\">");
                    foreach (JsonElement x in e.EnumerateArray())
                    {
                        h.Append("<li>");
                        Render(h, x, depth + 1);
                        h.Append("</li>");
                    }
                    h.Append("</ol>");
                    break;
                case JsonValueKind.Array:
                    h.Append("<code>[").Append(E(string.Join(", ", e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Array ? "[" + string.Join(", ", x.EnumerateArray().Select(Num)) + "]" : Num(x))))).Append("]</code>");
                    break;
                default:
                    h.Append(E(Num(e)));
                    break;
            }
        }

        /// <summary>What a reader should know before the tables: no start converged, most hit the limit or diverged, uncertain verdicts, an interrupted run, attractors probably missed.</summary>
        private void Warn(string rel, CensusFile r)
        {
            long n = r.Starts;
            if (r.Partial) Warnings.Add((rel, $"partial run: interrupted after {Num(n)} of {Num(r.RequestedStarts)} starts; every count covers the finished starts only"));
            if (n > 0 && r.Outcomes.Converged == 0)
                Warnings.Add((rel, $"no start converged (0 of {Num(n)}): no basin was measured" + (r.FixedPoints.Count > 0 ? $"; the {r.FixedPoints.Count} fixed point(s) listed were found by Newton" : "")));
            if (n > 0 && 2 * r.Outcomes.MaxIterations > n)
                Warnings.Add((rel, $"most starts hit the iteration limit: {Num(r.Outcomes.MaxIterations)} of {Num(n)} ({Share((double)r.Outcomes.MaxIterations / n)}) stopped at maxIterations {Num(r.Options.MaxIterations)}"));
            if (n > 0 && 2 * r.Outcomes.Diverged > n)
                Warnings.Add((rel, $"most starts diverged: {Num(r.Outcomes.Diverged)} of {Num(n)} ({Share((double)r.Outcomes.Diverged / n)})"));
            var uncertain = r.FixedPoints.Select((f, i) => (f, i)).Where(p => p.f.StabilityUncertain).Select(p => "#" + p.i).ToList();
            if (uncertain.Count > 0)
                Warnings.Add((rel, $"{uncertain.Count} uncertain stability verdict(s): fixed point(s) {string.Join(", ", uncertain.Take(10))}{(uncertain.Count > 10 ? ", …" : "")}"));
            MissingEstimate m = r.EstimatedMissing;
            if (m.Missing >= 0.5)
                Warnings.Add((rel, $"about {Num(m.Missing, 2)} attractor(s) probably missed (Chao1 {Num(m.Chao1, 3)} ± {Num(m.StdError, 2)}, coverage {Num(m.Coverage, 3)}): more starts would find more"));
        }

        private static string Pair((double Lo, double Hi) p) => $"[{Share(p.Lo)}, {Share(p.Hi)}]";

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
