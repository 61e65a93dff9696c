using System.Globalization;

namespace Fixpoint.Training;

/// <summary>The file formats a <see cref="DataSource"/> reads.</summary>
public enum DataFormat
{
    /// <summary>The digits CSV: 64 pixels 0 … 16 and a label per row (<see cref="DigitsReader"/>).</summary>
    Digits,
    /// <summary>A CSV of numbers with an optional label column (<see cref="CsvDatasetReader"/>).</summary>
    Csv,
    /// <summary>An IDX images file (MNIST format) with an optional IDX labels file (<see cref="IdxReader"/>).</summary>
    Idx,
}

/// <summary>
/// Where a data set comes from and how to read it; saved beside a trained model (as metadata strings)
/// so that later commands read the same data the same way.
/// </summary>
/// <param name="Path"><c>digits</c> for the shipped file, or a path.</param>
/// <param name="LabelColumn">CSV only: the label column (negative counts from the end), or null for none.</param>
/// <param name="LabelsPath">IDX only: the labels file, or null.</param>
/// <param name="Range">Raw values mapped to [−1, 1]; null keeps CSV values as they are. Digits always use 0 … 16, IDX 0 … 255 unless given.</param>
public sealed record DataSource(string Path, DataFormat Format, int? LabelColumn = null, string? LabelsPath = null, PixelRange? Range = null)
{
    public static DataSource ShippedDigits { get; } = new(DigitsReader.ShippedName, DataFormat.Digits);

    /// <summary>The format a path implies: digits for <c>digits</c>, IDX for names with "idx" or "ubyte", else CSV.</summary>
    public static DataFormat Guess(string path)
    {
        string name = System.IO.Path.GetFileName(path).ToLowerInvariant();
        if (path == DigitsReader.ShippedName || name.StartsWith("digits.csv", StringComparison.Ordinal)) return DataFormat.Digits;
        return name.Contains("idx") || name.Contains("ubyte") ? DataFormat.Idx : DataFormat.Csv;
    }

    public Dataset Load() => Format switch
    {
        DataFormat.Digits => DigitsReader.ReadShippedOr(Path),
        DataFormat.Csv => CsvDatasetReader.Read(Path, LabelColumn, Range),
        _ => IdxReader.ReadImages(Path, LabelsPath, Range),
    };

    public string Describe() => Format switch
    {
        DataFormat.Digits => Path == DigitsReader.ShippedName ? "the shipped digits (8×8, pixels v/8 − 1)" : $"digits file {Path}",
        DataFormat.Csv => $"CSV {Path}{(LabelColumn is int c ? $", labels in column {c}" : ", no labels")}{(Range is null ? "" : $", values {Range.Lo}…{Range.Hi} → [−1, 1]")}",
        _ => $"IDX {Path}{(LabelsPath is null ? "" : $", labels {LabelsPath}")}",
    };

    /// <summary>Metadata strings (keys <c>data</c>, <c>data_format</c>, …) for a model file.</summary>
    public IReadOnlyDictionary<string, string> ToMetadata()
    {
        var m = new Dictionary<string, string> { ["data"] = Path, ["data_format"] = Format.ToString().ToLowerInvariant() };
        if (LabelColumn is int c) m["data_label_column"] = c.ToString(CultureInfo.InvariantCulture);
        if (LabelsPath is not null) m["data_labels"] = LabelsPath;
        if (Range is not null) m["data_pixel_range"] = $"{Range.Lo.ToString("R", CultureInfo.InvariantCulture)},{Range.Hi.ToString("R", CultureInfo.InvariantCulture)}";
        return m;
    }

    /// <summary>Reads <see cref="ToMetadata"/>'s keys back; null when the metadata names no data.</summary>
    public static DataSource? FromMetadata(IReadOnlyDictionary<string, string> meta)
    {
        if (!meta.TryGetValue("data", out string? path)) return null;
        DataFormat format = meta.TryGetValue("data_format", out string? f) && Enum.TryParse(f, true, out DataFormat parsed) ? parsed : Guess(path);
        int? lc = meta.TryGetValue("data_label_column", out string? l) && int.TryParse(l, NumberStyles.Integer, CultureInfo.InvariantCulture, out int li) ? li : null;
        PixelRange? range = null;
        if (meta.TryGetValue("data_pixel_range", out string? r))
        {
            string[] p = r.Split(',');
            if (p.Length == 2 && double.TryParse(p[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double lo) && double.TryParse(p[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double hi) && lo < hi)
                range = new PixelRange(lo, hi);
        }
        return new DataSource(path, format, lc, meta.GetValueOrDefault("data_labels"), range);
    }
}

/// <summary>A seeded train/test split (see <see cref="Dataset.Split"/>); TestCount null takes all the rest.</summary>
public sealed record SplitSpec(int TrainCount, int? TestCount, ulong Seed)
{
    public (Dataset Train, Dataset Test) Apply(Dataset data)
    {
        var (train, test, _, _) = data.Split(TrainCount, TestCount, Seed);
        return (train, test);
    }

    public IReadOnlyDictionary<string, string> ToMetadata()
    {
        var m = new Dictionary<string, string>
        {
            ["split_train_count"] = TrainCount.ToString(CultureInfo.InvariantCulture),
            ["split_seed"] = Seed.ToString(CultureInfo.InvariantCulture),
        };
        if (TestCount is int t) m["split_test_count"] = t.ToString(CultureInfo.InvariantCulture);
        return m;
    }

    public static SplitSpec? FromMetadata(IReadOnlyDictionary<string, string> meta)
    {
        if (!meta.TryGetValue("split_train_count", out string? tc) || !int.TryParse(tc, NumberStyles.Integer, CultureInfo.InvariantCulture, out int train)) return null;
        ulong seed = meta.TryGetValue("split_seed", out string? s) && ulong.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong sv) ? sv : 0;
        int? test = meta.TryGetValue("split_test_count", out string? t) && int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out int tv) ? tv : null;
        return new SplitSpec(train, test, seed);
    }
}
