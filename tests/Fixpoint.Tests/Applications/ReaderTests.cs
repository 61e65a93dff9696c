using System.IO.Compression;
using Fixpoint.Training;

namespace Fixpoint.Tests.Applications;

public class ReaderTests
{
    [Fact]
    public void ShippedDigitsAre1797ImagesOf64PixelsScaledToMinusOneOne()
    {
        Dataset d = DigitsReader.Read(DigitsReader.FindShipped());
        Assert.Equal(1797, d.Count);
        Assert.Equal(64, d.Dimension);
        Assert.Equal(10, d.ClassCount);
        Assert.All(d.Features, v => Assert.InRange(v, -1.0, 1.0));
        // First row of data/digits.csv.gz: 0,0,5,13,9,1,0,0,… label 0; pixels v/8 − 1.
        Assert.Equal(-1.0, d.Features[0]);
        Assert.Equal(5 / 8.0 - 1, d.Features[2]);
        Assert.Equal(13 / 8.0 - 1, d.Features[3]);
        Assert.Equal(0, d.Labels![0]);
        Assert.Equal(Enumerable.Range(0, 10), d.Labels.Distinct().Order());
    }

    [Fact]
    public void DigitsReaderNamesTheBadLine()
    {
        string dir = CliRunner.TempDir();
        string path = Path.Combine(dir, "d.csv");
        string good = string.Join(",", Enumerable.Repeat("3", 64)) + ",7";
        File.WriteAllLines(path, [good, string.Join(",", Enumerable.Repeat("3", 63)) + ",17,2"]);
        var e = Assert.Throws<DataFormatException>(() => DigitsReader.Read(path));
        Assert.Contains("line 2", e.Message);
        Assert.Contains("outside 0 … 16", e.Message);
        File.WriteAllLines(path, [good, "1,2,3"]);
        Assert.Contains("line 2 has 3 fields", Assert.Throws<DataFormatException>(() => DigitsReader.Read(path)).Message);
        File.WriteAllLines(path, [good]);
        Dataset one = DigitsReader.Read(path);
        Assert.Equal(1, one.Count);
        Assert.Equal(3 / 8.0 - 1, one.Features[10]);
        Assert.Equal(7, one.Labels![0]);
    }

    [Fact]
    public void IdxImagesAndLabelsReadBackWithBigEndianDimensions()
    {
        string dir = CliRunner.TempDir();
        string images = Path.Combine(dir, "images-idx3-ubyte");
        string labels = Path.Combine(dir, "labels-idx1-ubyte");
        byte[] pixels = Enumerable.Range(0, 3 * 2 * 4).Select(i => (byte)(i * 10)).ToArray();
        IdxReader.WriteBytes(images, [3, 2, 4], pixels);
        IdxReader.WriteBytes(labels, [3], [4, 0, 9]);
        byte[] raw = File.ReadAllBytes(images);
        Assert.Equal(new byte[] { 0, 0, 0x08, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 4 }, raw[..16]);

        IdxArray a = IdxReader.Read(images);
        Assert.Equal(IdxType.UnsignedByte, a.Type);
        Assert.Equal(new[] { 3, 2, 4 }, a.Shape);
        Assert.Equal(230.0, a.Data[23]);

        Dataset d = IdxReader.ReadImages(images, labels);
        Assert.Equal(3, d.Count);
        Assert.Equal(8, d.Dimension);
        Assert.Equal(new[] { 4, 0, 9 }, d.Labels);
        Assert.Equal(-1.0, d.Features[0]);
        Assert.Equal(2 * 230.0 / 255 - 1, d.Features[23], 15);

        string gz = Path.Combine(dir, "images.idx.gz");
        using (var fs = File.Create(gz))
        using (var z = new GZipStream(fs, CompressionLevel.Fastest)) z.Write(raw);
        Assert.Equal(a.Data, IdxReader.Read(gz).Data);
    }

    [Fact]
    public void IdxFloatAndInt16ElementsAreBigEndian()
    {
        string path = Path.Combine(CliRunner.TempDir(), "f.idx");
        // Two float32 values 1.5 and −2, then a rank-1 int16 file with 258 (0x0102).
        File.WriteAllBytes(path, [0, 0, 0x0D, 1, 0, 0, 0, 2, 0x3F, 0xC0, 0, 0, 0xC0, 0, 0, 0]);
        Assert.Equal(new[] { 1.5, -2.0 }, IdxReader.Read(path).Data);
        File.WriteAllBytes(path, [0, 0, 0x0B, 1, 0, 0, 0, 1, 0x01, 0x02]);
        Assert.Equal(258.0, IdxReader.Read(path).Data[0]);
    }

    [Fact]
    public void BadIdxFilesAreRefusedWithTheReason()
    {
        string path = Path.Combine(CliRunner.TempDir(), "bad.idx");
        File.WriteAllBytes(path, [1, 0, 8, 1, 0, 0, 0, 2, 5, 6]);
        Assert.Contains("not an IDX file", Assert.Throws<DataFormatException>(() => IdxReader.Read(path)).Message);
        File.WriteAllBytes(path, [0, 0, 0x42, 1, 0, 0, 0, 2, 5, 6]);
        Assert.Contains("unknown IDX element type", Assert.Throws<DataFormatException>(() => IdxReader.Read(path)).Message);
        File.WriteAllBytes(path, [0, 0, 8, 1, 0, 0, 0, 3, 5, 6]);
        Assert.Contains("ends inside", Assert.Throws<DataFormatException>(() => IdxReader.Read(path)).Message);
        File.WriteAllBytes(path, [0, 0, 8, 1, 0, 0, 0, 1, 5, 6]);
        Assert.Contains("bytes left", Assert.Throws<DataFormatException>(() => IdxReader.Read(path)).Message);
    }

    [Fact]
    public void CsvReaderTakesAHeaderALabelColumnAndAPixelRange()
    {
        string dir = CliRunner.TempDir();
        string path = Path.Combine(dir, "x.csv");
        File.WriteAllLines(path, ["a,b,label,c", "0,10,1,5", "10,0,0,2.5"]);
        Dataset d = CsvDatasetReader.Read(path, labelColumn: 2, range: new PixelRange(0, 10));
        Assert.Equal(2, d.Count);
        Assert.Equal(3, d.Dimension);
        Assert.Equal(new[] { 1, 0 }, d.Labels);
        Assert.Equal(new[] { -1.0, 1.0, 0.0, 1.0, -1.0, -0.5 }, d.Features);

        Assert.Contains("not an integer", Assert.Throws<DataFormatException>(() => CsvDatasetReader.Read(path, labelColumn: -1)).Message);
        Dataset first = CsvDatasetReader.Read(path, labelColumn: 0);
        Assert.Equal(new[] { 0, 10 }, first.Labels);
        Assert.Equal(new[] { 10.0, 1, 5, 0, 0, 2.5 }, first.Features);

        Dataset none = CsvDatasetReader.Read(path);
        Assert.Null(none.Labels);
        Assert.Equal(4, none.Dimension);

        File.WriteAllLines(path, ["1,2", "3,x"]);
        Assert.Contains("line 2", Assert.Throws<DataFormatException>(() => CsvDatasetReader.Read(path)).Message);
        File.WriteAllLines(path, ["1,2", "3,4,5"]);
        Assert.Contains("line 2 has 3 fields", Assert.Throws<DataFormatException>(() => CsvDatasetReader.Read(path)).Message);
    }

    [Fact]
    public void SplitsAreSeededDisjointAndComplete()
    {
        Dataset d = DigitsReader.Read(DigitsReader.FindShipped());
        var (train, test, ti, si) = d.Split(300, null, 7);
        var (_, _, ti2, _) = d.Split(300, null, 7);
        var (_, _, ti3, _) = d.Split(300, null, 8);
        Assert.Equal(ti, ti2);
        Assert.NotEqual(ti, ti3);
        Assert.Equal(300, train.Count);
        Assert.Equal(1497, test.Count);
        Assert.Empty(ti.Intersect(si));
        Assert.Equal(1797, ti.Union(si).Count());
        Assert.Equal(d.Row(ti[5]).ToArray(), train.Row(5).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Split(1797, null, 0));
    }
}
