using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;

namespace Fixpoint.Training;

/// <summary>A data file that cannot be read: the message names the file, the line or field, and the problem.</summary>
public sealed class DataFormatException(string message) : FormatException(message);

/// <summary>
/// The linear map of raw pixel values [Lo, Hi] onto [−1, 1]: x = 2(v − Lo)/(Hi − Lo) − 1.
/// Every image model in Fixpoint works on [−1, 1] pixels (background −1, full ink +1), the range
/// of tanh, so saturated pixels sit where tanh is flat.
/// </summary>
public sealed record PixelRange
{
    public PixelRange(double lo, double hi)
    {
        if (!double.IsFinite(lo) || !double.IsFinite(hi) || !(lo < hi))
            throw new ArgumentOutOfRangeException(nameof(lo), $"the pixel range [{lo}, {hi}] is empty or not finite");
        Lo = lo;
        Hi = hi;
    }

    public double Lo { get; }
    public double Hi { get; }

    /// <summary>The digits: 0 … 16 ink counts, so x = v/8 − 1.</summary>
    public static PixelRange Digits { get; } = new(0, 16);

    /// <summary>8-bit images (MNIST IDX files): 0 … 255.</summary>
    public static PixelRange Byte { get; } = new(0, 255);

    public double ToSigned(double v) => 2.0 * (v - Lo) / (Hi - Lo) - 1.0;

    public double FromSigned(double x) => Lo + (x + 1.0) * 0.5 * (Hi - Lo);
}

/// <summary>
/// Opens a file for reading, decompressing it when it starts with the gzip magic bytes (whatever its name).
/// Decompression is streamed and capped: a small file that would expand beyond the memory budget is refused
/// when it gets there, not after, and no text line may exceed <see cref="MaxLineChars"/>.
/// </summary>
internal static class DataFile
{
    /// <summary>The longest line a CSV file may have: 16 Mi characters, a row of over a million numbers.</summary>
    public const int MaxLineChars = 1 << 24;

    public static Stream Open(string path, Numerics.MemoryBudget? budget = null)
    {
        if (!File.Exists(path)) throw new DataFormatException($"{path}: no such file");
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Span<byte> magic = stackalloc byte[2];
        int got = fs.Read(magic);
        fs.Position = 0;
        // Parsed values take about as much memory as their text: half the budget for the bytes read.
        long cap = (budget ?? Numerics.MemoryBudget.Default).LimitBytes / 2;
        if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) return new CappedStream(new GZipStream(fs, CompressionMode.Decompress), cap, path);
        return new CappedStream(fs, cap, path);
    }

    /// <summary>Whether the file starts with the gzip magic bytes.</summary>
    public static bool IsGzip(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return fs.ReadByte() == 0x1f && fs.ReadByte() == 0x8b;
    }

    public static IEnumerable<string> Lines(string path)
    {
        using var reader = new StreamReader(Open(path));
        var line = new System.Text.StringBuilder();
        var buffer = new char[1 << 16];
        int lineNo = 1, read;
        bool any = false;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            any = true;
            int from = 0;
            for (int i = 0; i < read; i++)
            {
                if (buffer[i] != '\n') continue;
                line.Append(buffer, from, i - from);
                yield return Trimmed(line);
                line.Clear();
                lineNo++;
                from = i + 1;
            }
            line.Append(buffer, from, read - from);
            if (line.Length > MaxLineChars)
                throw new DataFormatException($"{path}: line {lineNo} is longer than {MaxLineChars} characters; not a data file?");
        }
        if (any && line.Length > 0) yield return Trimmed(line);

        static string Trimmed(System.Text.StringBuilder b) => b.Length > 0 && b[^1] == '\r' ? b.ToString(0, b.Length - 1) : b.ToString();
    }

    /// <summary>A read-only stream that refuses to give more than <c>cap</c> bytes, naming the file and the limit.</summary>
    private sealed class CappedStream(Stream inner, long cap, string path) : Stream
    {
        private long _read;
        public override bool CanRead => true;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n;
            // Damaged gzip data surfaces here, whichever reader reads: one refusal naming the file.
            try { n = inner.Read(buffer); }
            catch (InvalidDataException e) { throw new DataFormatException($"{path}: corrupt gzip data ({e.Message})"); }
            _read += n;
            if (_read > cap)
                throw new Numerics.MemoryBudgetException($"{path}: its data (decompressed) is beyond {Numerics.MemoryBudget.Format(cap)}, half the memory limit of {Numerics.MemoryBudget.Format(cap * 2)}");
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>
/// The shipped handwritten digits (<c>data/digits.csv.gz</c>, described in <c>data/DIGITS.md</c>):
/// 1797 rows of 64 pixel values 0 … 16 (8×8, row-major) and a label 0 … 9. Pixels are scaled to
/// [−1, 1] by x = v/8 − 1 (<see cref="PixelRange.Digits"/>).
/// </summary>
public static class DigitsReader
{
    public const int Side = 8;
    public const int Pixels = 64;
    public const int Classes = 10;

    /// <summary>The name that stands for the shipped file on the command line.</summary>
    public const string ShippedName = "digits";

    public const string ShippedRelativePath = "data/digits.csv.gz";

    public static Dataset Read(string path)
    {
        var features = new List<double>();
        var labels = new List<int>();
        int lineNo = 0;
        try
        {
            foreach (string raw in DataFile.Lines(path))
            {
                lineNo++;
                string line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#')) continue;
                string[] cells = line.Split(',');
                if (cells.Length != Pixels + 1)
                    throw new DataFormatException($"{path}: line {lineNo} has {cells.Length} fields, expected {Pixels} pixels and a label");
                for (int j = 0; j <= Pixels; j++)
                {
                    if (!int.TryParse(cells[j].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
                        throw new DataFormatException($"{path}: line {lineNo}, field {j + 1} '{cells[j].Trim()}' is not an integer");
                    if (j < Pixels)
                    {
                        if (v < 0 || v > 16) throw new DataFormatException($"{path}: line {lineNo}, pixel {j} is {v}, outside 0 … 16");
                        features.Add(PixelRange.Digits.ToSigned(v));
                    }
                    else
                    {
                        if (v < 0 || v >= Classes) throw new DataFormatException($"{path}: line {lineNo}: label {v} is outside 0 … 9");
                        labels.Add(v);
                    }
                }
            }
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{path}: corrupt gzip data ({e.Message})");
        }
        if (labels.Count == 0) throw new DataFormatException($"{path}: no rows");
        return new Dataset(path, features.ToArray(), Pixels, labels.ToArray());
    }

    /// <summary>
    /// The shipped file: <c>data/digits.csv.gz</c> under the current directory or any folder above it,
    /// or above the folder of the running program. Throws <see cref="DataFormatException"/> when none is found.
    /// </summary>
    public static string FindShipped()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, ShippedRelativePath);
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new DataFormatException($"the shipped {ShippedRelativePath} was not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}; give its path");
    }

    /// <summary>Reads <paramref name="pathOrName"/>, where <c>digits</c> names the shipped file.</summary>
    public static Dataset ReadShippedOr(string pathOrName) =>
        Read(pathOrName == ShippedName ? FindShipped() : pathOrName);
}

/// <summary>
/// A CSV file of numbers, one example per row: every column is a feature except the optional label
/// column (an integer ≥ 0). A first line that is not all numbers is a header. Features are used as
/// they are, or mapped to [−1, 1] by a <see cref="PixelRange"/>.
/// </summary>
public static class CsvDatasetReader
{
    /// <param name="labelColumn">The label's column: 0-based from the left, or negative from the right (−1 is the last); null when there are no labels.</param>
    public static Dataset Read(string path, int? labelColumn = null, PixelRange? range = null)
    {
        var features = new List<double>();
        var labels = new List<int>();
        int width = -1, rows = 0;
        foreach (var (lineNo, cells) in Rows(path))
        {
            var values = new double[cells.Length];
            bool numeric = true;
            for (int j = 0; j < cells.Length; j++)
                numeric &= double.TryParse(cells[j].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out values[j]);
            if (!numeric)
            {
                if (rows == 0 && width < 0) { width = cells.Length; continue; } // header
                throw new DataFormatException($"{path}: line {lineNo} is not a row of numbers");
            }
            if (width >= 0 && cells.Length != width)
                throw new DataFormatException($"{path}: line {lineNo} has {cells.Length} fields, expected {width}");
            width = cells.Length;
            int lc = -1;
            if (labelColumn is int c)
            {
                lc = c < 0 ? width + c : c;
                if (lc < 0 || lc >= width) throw new DataFormatException($"{path}: label column {c} does not exist in rows of {width} fields");
                if (width < 2) throw new DataFormatException($"{path}: rows of one field leave no features beside the label");
            }
            for (int j = 0; j < width; j++)
            {
                double v = values[j];
                if (!double.IsFinite(v)) throw new DataFormatException($"{path}: line {lineNo}, field {j + 1} is not finite");
                if (j == lc)
                {
                    if (v != Math.Floor(v) || v < 0 || v > int.MaxValue)
                        throw new DataFormatException($"{path}: line {lineNo}: label '{cells[j].Trim()}' is not an integer ≥ 0");
                    labels.Add((int)v);
                }
                else features.Add(range is null ? v : range.ToSigned(v));
            }
            rows++;
        }
        if (rows == 0) throw new DataFormatException($"{path}: no rows of numbers");
        int dim = labelColumn is null ? width : width - 1;
        return new Dataset(path, features.ToArray(), dim, labelColumn is null ? null : labels.ToArray());
    }

    /// <summary>
    /// The cells of every line of a CSV file (gzip-compressed or not) that is not blank or a <c>#</c> comment,
    /// with its 1-based line number. Cells are split at commas outside double quotes (RFC 4180: <c>""</c> is a
    /// quote inside a quoted cell).
    /// </summary>
    public static IEnumerable<(int Line, string[] Cells)> Rows(string path)
    {
        int lineNo = 0;
        foreach (string raw in DataFile.Lines(path))
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            yield return (lineNo, SplitLine(line));
        }
    }

    /// <summary>Splits one CSV line at commas outside double quotes (RFC 4180 quotes).</summary>
    public static string[] SplitLine(string line)
    {
        var cells = new List<string>();
        var cur = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cur.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else cur.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { cells.Add(cur.ToString()); cur.Clear(); }
            else cur.Append(c);
        }
        cells.Add(cur.ToString());
        return cells.ToArray();
    }
}

/// <summary>The element types of an IDX file (the third byte of its magic number).</summary>
public enum IdxType : byte
{
    UnsignedByte = 0x08,
    SignedByte = 0x09,
    Int16 = 0x0B,
    Int32 = 0x0C,
    Float32 = 0x0D,
    Float64 = 0x0E,
}

/// <summary>An IDX array: its element type, its dimensions, and its values in row-major order.</summary>
public sealed record IdxArray(IdxType Type, int[] Shape, double[] Data);

/// <summary>
/// IDX files, the format of MNIST (LeCun et al.): a 4-byte magic number (0, 0, element type,
/// number of dimensions), one big-endian int32 per dimension, then the values in row-major order,
/// big-endian. Gzipped files are read as well.
/// </summary>
public static class IdxReader
{
    public static IdxArray Read(string path)
    {
        try
        {
            using Stream s = DataFile.Open(path);
            using var buffered = new BufferedStream(s, 1 << 16);
            Span<byte> head = stackalloc byte[4];
            ReadExactly(buffered, head, path, "the magic number");
            if (head[0] != 0 || head[1] != 0) throw new DataFormatException($"{path}: not an IDX file (magic starts {head[0]:x2} {head[1]:x2}, expected 00 00)");
            if (!Enum.IsDefined((IdxType)head[2])) throw new DataFormatException($"{path}: unknown IDX element type 0x{head[2]:x2}");
            var type = (IdxType)head[2];
            int rank = head[3];
            if (rank < 1) throw new DataFormatException($"{path}: IDX rank 0");
            var shape = new int[rank];
            long total = 1;
            for (int d = 0; d < rank; d++)
            {
                ReadExactly(buffered, head, path, $"dimension {d}");
                int n = BinaryPrimitives.ReadInt32BigEndian(head);
                if (n < 0) throw new DataFormatException($"{path}: dimension {d} is {n}");
                shape[d] = n;
                total *= n;
                if (total > 1L << 30) throw new DataFormatException($"{path}: more than 2^30 values");
            }
            int size = type switch { IdxType.UnsignedByte or IdxType.SignedByte => 1, IdxType.Int16 => 2, IdxType.Int32 or IdxType.Float32 => 4, _ => 8 };
            long header = 4 + 4L * rank;
            if (!DataFile.IsGzip(path) && total * size > new FileInfo(path).Length - header)
                throw new DataFormatException($"{path}: ends inside its data: the header declares {total} values ({total * size} bytes) but {new FileInfo(path).Length - header} bytes follow it");
            Numerics.MemoryBudget.Default.Require(total * 8.0, $"the {total} values of {path}");
            // The values are read in chunks and gathered at the end, so memory grows with the data that is
            // really there, not with what a (possibly corrupt, compressed) header declares.
            var chunks = new List<double[]>();
            const int Chunk = 1 << 20;
            var cell = new byte[size];
            for (long i = 0; i < total; i++)
            {
                ReadExactly(buffered, cell, path, $"value {i} of {total}");
                if (i % Chunk == 0) chunks.Add(new double[Math.Min(Chunk, total - i)]);
                double[] data = chunks[^1];
                long at = i % Chunk;
                data[at] = type switch
                {
                    IdxType.UnsignedByte => cell[0],
                    IdxType.SignedByte => (sbyte)cell[0],
                    IdxType.Int16 => BinaryPrimitives.ReadInt16BigEndian(cell),
                    IdxType.Int32 => BinaryPrimitives.ReadInt32BigEndian(cell),
                    IdxType.Float32 => BinaryPrimitives.ReadSingleBigEndian(cell),
                    _ => BinaryPrimitives.ReadDoubleBigEndian(cell),
                };
                if (!double.IsFinite(data[at])) throw new DataFormatException($"{path}: value {i} is not finite");
            }
            if (buffered.ReadByte() >= 0) throw new DataFormatException($"{path}: bytes left after the {total} values its header declares");
            var values = new double[total];
            for (int c = 0; c < chunks.Count; c++) chunks[c].CopyTo(values, (long)c * Chunk);
            return new IdxArray(type, shape, values);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{path}: corrupt gzip data ({e.Message})");
        }
    }

    /// <summary>
    /// Images (rank ≥ 2: count × any further dimensions, flattened) and optional labels (rank 1, one per
    /// image) as a data set, pixels mapped to [−1, 1] by <paramref name="range"/> (default 0 … 255).
    /// </summary>
    public static Dataset ReadImages(string imagesPath, string? labelsPath = null, PixelRange? range = null)
    {
        IdxArray images = Read(imagesPath);
        if (images.Shape.Length < 2) throw new DataFormatException($"{imagesPath}: images need rank ≥ 2 (count × pixels), got rank {images.Shape.Length}");
        int count = images.Shape[0];
        if (count == 0) throw new DataFormatException($"{imagesPath}: no images");
        int dim = images.Data.Length / count;
        if (dim == 0) throw new DataFormatException($"{imagesPath}: images of zero pixels");
        range ??= PixelRange.Byte;
        var features = images.Data.Select(range.ToSigned).ToArray();
        int[]? labels = null;
        if (labelsPath is not null)
        {
            IdxArray l = Read(labelsPath);
            if (l.Shape.Length != 1) throw new DataFormatException($"{labelsPath}: labels need rank 1, got rank {l.Shape.Length}");
            if (l.Shape[0] != count) throw new DataFormatException($"{labelsPath}: {l.Shape[0]} labels for {count} images");
            labels = new int[count];
            for (int i = 0; i < count; i++)
            {
                double v = l.Data[i];
                if (v < 0 || v != Math.Floor(v)) throw new DataFormatException($"{labelsPath}: label {i} is {v}, not an integer ≥ 0");
                labels[i] = (int)v;
            }
        }
        return new Dataset(imagesPath, features, dim, labels);
    }

    private static void ReadExactly(Stream s, Span<byte> buffer, string path, string what)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int got = s.Read(buffer[done..]);
            if (got == 0) throw new DataFormatException($"{path}: the file ends inside {what}");
            done += got;
        }
    }

    /// <summary>Writes an IDX file of unsigned bytes (for tests and for exporting small data sets).</summary>
    public static void WriteBytes(string path, int[] shape, ReadOnlySpan<byte> values)
    {
        long total = shape.Aggregate(1L, (a, b) => a * b);
        if (total != values.Length) throw new ArgumentException($"shape holds {total} values, got {values.Length}", nameof(values));
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write);
        fs.Write([0, 0, (byte)IdxType.UnsignedByte, (byte)shape.Length]);
        Span<byte> b = stackalloc byte[4];
        foreach (int d in shape)
        {
            BinaryPrimitives.WriteInt32BigEndian(b, d);
            fs.Write(b);
        }
        fs.Write(values);
    }
}

/// <summary>Which reader a data file gets: the one choice, used by every verb that reads data.</summary>
public static class DataReaders
{
    /// <summary>The values of a format choice: auto (from the name, <see cref="DataSource.Guess"/>) or a format.</summary>
    public const string FormatNames = "auto, digits, csv, idx";

    /// <summary>The format of <paramref name="path"/> under the choice <paramref name="format"/> (one of <see cref="FormatNames"/>, any case); null for an unknown choice.</summary>
    public static DataFormat? Choose(string path, string format) => format.Trim().ToLowerInvariant() switch
    {
        "auto" => DataSource.Guess(path),
        "digits" => DataFormat.Digits,
        "csv" => DataFormat.Csv,
        "idx" => DataFormat.Idx,
        _ => null,
    };

    /// <summary>
    /// The examples of a data set, to start iterations from: MNIST-style IDX images when the name says
    /// <c>idx3-ubyte</c> (gzip or not), else the digits format (<c>digits</c> for the shipped file, or a digits CSV).
    /// </summary>
    public static Dataset ReadExamples(string nameOrPath) => nameOrPath.Contains("idx3-ubyte", StringComparison.OrdinalIgnoreCase)
        ? IdxReader.ReadImages(nameOrPath)
        : DigitsReader.ReadShippedOr(nameOrPath);
}
