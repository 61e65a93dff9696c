namespace Fixpoint.Cli;

/// <summary>
/// The options that say which data a verb reads and how it is split: --data (digits, a CSV or an IDX file),
/// --format, --label-column, --labels, --pixel-range, --train-count, --test-count, --split-seed.
/// </summary>
internal sealed class DataOptions(int defaultTrainCount)
{
    public readonly Option<string> Data = new("--data") { Description = "digits (the shipped data/digits.csv.gz, 1797 8×8 images), a CSV file or an IDX images file (default digits).", DefaultValueFactory = _ => DigitsReader.ShippedName };
    public readonly Option<string> Format = new("--format") { Description = "auto (default: from the name), digits, csv or idx.", DefaultValueFactory = _ => "auto" };
    public readonly Option<string> LabelColumn = new("--label-column") { Description = "CSV: the label's column, 0-based, negative from the end (default -1, the last), or none.", DefaultValueFactory = _ => "-1" };
    public readonly Option<string> Labels = new("--labels") { Description = "IDX: the labels file (rank 1, one per image)." };
    public readonly Option<double[]> PixelRange = new("--pixel-range") { Description = "Map raw values LO HI onto [-1, 1] (digits: always 0 16; IDX default 0 255; CSV default: values used as they are).", Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
    public readonly Option<int> TrainCount = new("--train-count") { Description = $"Examples in the training set, drawn by a seeded shuffle (default {defaultTrainCount}).", DefaultValueFactory = _ => defaultTrainCount };
    public readonly Option<int> TestCount = new("--test-count") { Description = "Examples in the test set, after the training ones (default 0: all the rest).", DefaultValueFactory = _ => 0 };
    public readonly Option<ulong> SplitSeed = new("--split-seed") { Description = "Seed of the train/test shuffle (default 0).", DefaultValueFactory = _ => 0UL };

    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Data, Format, LabelColumn, Labels, PixelRange, TrainCount, TestCount, SplitSeed })
            command.Options.Add(o);
    }

    public bool AnyDataGiven(ParseResult p) => new Option[] { Data, Format, LabelColumn, Labels, PixelRange }.Any(o => NetworkOptions.Given(p, o));
    public bool AnySplitGiven(ParseResult p) => new Option[] { TrainCount, TestCount, SplitSeed }.Any(o => NetworkOptions.Given(p, o));

    public DataSource Source(ParseResult p)
    {
        string path = p.GetValue(Data)!;
        string fmt = p.GetValue(Format)!.Trim().ToLowerInvariant();
        DataFormat format = DataReaders.Choose(path, fmt) ?? throw new UsageException($"unknown --format '{fmt}'; known: {DataReaders.FormatNames}");
        if (path != DigitsReader.ShippedName && !File.Exists(path)) throw new UsageException($"--data {path}: no such file");
        int? labelColumn = null;
        string lc = p.GetValue(LabelColumn)!.Trim().ToLowerInvariant();
        if (format == DataFormat.Csv && lc != "none")
        {
            if (!int.TryParse(lc, NumberStyles.Integer, CultureInfo.InvariantCulture, out int c)) throw new UsageException($"--label-column must be an integer or none (got '{lc}')");
            labelColumn = c;
        }
        else if (format != DataFormat.Csv && NetworkOptions.Given(p, LabelColumn)) throw new UsageException("--label-column applies to CSV data only");
        string? labels = p.GetValue(Labels);
        if (labels is not null && format != DataFormat.Idx) throw new UsageException("--labels applies to IDX data only");
        if (labels is not null && !File.Exists(labels)) throw new UsageException($"--labels {labels}: no such file");
        Training.PixelRange? range = null;
        if (NetworkOptions.Given(p, PixelRange))
        {
            double[] r = p.GetValue(PixelRange)!;
            if (format == DataFormat.Digits) throw new UsageException("--pixel-range does not apply to the digits (always 0 16)");
            if (!r.All(double.IsFinite) || !(r[0] < r[1])) throw new UsageException($"--pixel-range {Cli.Format.Value(r[0])} {Cli.Format.Value(r[1])} is empty: LO must be below HI");
            range = new Training.PixelRange(r[0], r[1]);
        }
        return new DataSource(path, format, labelColumn, labels, range);
    }

    public SplitSpec Split(ParseResult p)
    {
        int train = p.GetValue(TrainCount), test = p.GetValue(TestCount);
        if (train < 1) throw new UsageException($"--train-count must be ≥ 1 (got {train})");
        if (test < 0) throw new UsageException($"--test-count must be ≥ 0 (got {test})");
        return new SplitSpec(train, test == 0 ? null : test, p.GetValue(SplitSeed));
    }

    /// <summary>Loads the data and splits it, turning data errors into one-line usage errors.</summary>
    public static (Dataset All, Dataset Train, Dataset Test) Load(DataSource source, SplitSpec split)
    {
        Dataset all = source.Load();
        if (split.TrainCount >= all.Count) throw new UsageException($"--train-count {split.TrainCount} leaves no test examples: the data has {all.Count}");
        if (split.TestCount is int t && split.TrainCount + t > all.Count)
            throw new UsageException($"--train-count {split.TrainCount} + --test-count {t} exceed the {all.Count} examples");
        (Dataset train, Dataset test) = split.Apply(all);
        return (all, train, test);
    }

    /// <summary>Width and height of the images: 8×8 for the digits, else the square root of the dimension when it is a square.</summary>
    public static (int Width, int Height)? ImageShape(int dimension)
    {
        int s = (int)Math.Round(Math.Sqrt(dimension));
        return s * s == dimension ? (s, s) : null;
    }
}
