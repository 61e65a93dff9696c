using System.Text.Json;
using Fixpoint.IO;
using Fixpoint.Maps;
using Fixpoint.Training;

namespace Fixpoint.Tests.Applications;

/// <summary>The application verbs run in-process on tiny data: train → restore → classify, early exit, reproduce, and bad input.</summary>
public class ApplicationCliTests
{
    private static readonly string[] TinyTrain =
        ["--train-count", "40", "--test-count", "20", "--hidden", "16", "--epochs", "3", "--census-starts", "10"];

    [Fact]
    public void TinyTrainThenRestoreThenClassifyWriteTheirResults()
    {
        string dir = CliRunner.TempDir();
        string trainDir = Path.Combine(dir, "train");
        var train = CliRunner.Invoke(["train", .. TinyTrain, "--out", trainDir]);
        Assert.True(train.ExitCode == 0, train.Err);
        Assert.Contains("training images that are attracting fixed points", train.Out);
        string model = Path.Combine(trainDir, "model.safetensors");
        Network net = ModelFile.Load(model);
        Assert.Equal(64, net.Dimension);
        Assert.Equal(2, net.Layers.Count);
        IReadOnlyDictionary<string, string> meta = Safetensors.Read(model).Metadata;
        Assert.Equal("digits", meta["data"]);
        Assert.Equal("40", meta["split_train_count"]);
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(trainDir, "train.json"))))
        {
            JsonElement root = doc.RootElement;
            Assert.Equal("fixpoint-train/1", root.GetProperty("format").GetString());
            Assert.True(root.GetProperty("final").GetProperty("reconstruction").GetDouble() > 0);
            Assert.Equal(2, root.GetProperty("final").GetProperty("tails").GetArrayLength());
            Assert.Equal(40, root.GetProperty("memory").GetProperty("trainingImages").GetInt32());
        }
        Assert.Equal(4 + 1, File.ReadAllLines(Path.Combine(trainDir, "loss.csv")).Length);
        Assert.Equal(1 + 4 * 2, File.ReadAllLines(Path.Combine(trainDir, "tails.csv")).Length);
        foreach (string f in new[] { "loss.png", "tails.png", "census.json", "fixed_points.csv", "memory.csv" })
            Assert.True(File.Exists(Path.Combine(trainDir, f)), f);

        string restoreDir = Path.Combine(dir, "restore");
        var restore = CliRunner.Invoke("restore", "--model", model, "--images", "4", "--random-starts", "5", "--damage", "noise:0.5,block:3", "--out", restoreDir);
        Assert.True(restore.ExitCode == 0, restore.Err);
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(restoreDir, "restore.json"))))
        {
            JsonElement rows = doc.RootElement.GetProperty("rows");
            Assert.Equal(4, rows.GetArrayLength()); // 2 sets × 2 damages
            foreach (JsonElement row in rows.EnumerateArray())
                foreach (string q in new[] { "damaged", "onePass", "attractor", "nearest" })
                    Assert.True(row.GetProperty(q).TryGetProperty("psnr", out _), q);
            Assert.True(doc.RootElement.GetProperty("spuriousAttractors").GetInt32() >= 0);
        }
        Assert.True(new FileInfo(Path.Combine(restoreDir, "montage.png")).Length > 1000);

        string classifyDir = Path.Combine(dir, "classify");
        var classify = CliRunner.Invoke("classify", "--model", model, "--out", classifyDir, "--k", "3");
        Assert.True(classify.ExitCode == 0, classify.Err);
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(classifyDir, "classify.json"))))
        {
            JsonElement r = doc.RootElement.GetProperty("result");
            Assert.Equal(20, r.GetProperty("testImages").GetInt32());
            Assert.Equal(10, r.GetProperty("confusion").GetArrayLength());
            Assert.Equal(11, r.GetProperty("confusion")[0].GetArrayLength());
            int total = r.GetProperty("confusion").EnumerateArray().Sum(row => row.EnumerateArray().Sum(c => c.GetInt32()));
            Assert.Equal(20, total);
        }
        Assert.True(File.Exists(Path.Combine(classifyDir, "confusion.png")));
    }

    [Fact]
    public void SemiSupervisedClassificationWithAllLabelsIsTheBasinClassifierAndKnn()
    {
        string dir = CliRunner.TempDir();
        var train = CliRunner.Invoke(["train", .. TinyTrain, "--no-plot", "--out", Path.Combine(dir, "train")]);
        Assert.True(train.ExitCode == 0, train.Err);
        string classifyDir = Path.Combine(dir, "classify");
        var run = CliRunner.Invoke("classify", "--model", Path.Combine(dir, "train", "model.safetensors"), "--k", "3", "--no-plot",
            "--label-fractions", "0.1,1", "--label-seeds", "3", "--out", classifyDir);
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains("semi-supervised", run.Out);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(classifyDir, "classify.json")));
        JsonElement result = doc.RootElement.GetProperty("result");
        JsonElement rows = doc.RootElement.GetProperty("semiSupervised").GetProperty("rows");
        Assert.Equal(2, rows.GetArrayLength());
        Assert.Equal(4, rows[0].GetProperty("labelledImages").GetInt32()); // 10% of 40
        Assert.Equal(40, rows[1].GetProperty("labelledImages").GetInt32());
        double[] Means(JsonElement row) => row.GetProperty("methods").EnumerateArray().Select(m => m.GetProperty("mean").GetDouble()).ToArray();
        foreach (JsonElement row in rows.EnumerateArray())
            Assert.All(row.GetProperty("methods").EnumerateArray(), m => Assert.Equal(3, m.GetProperty("accuracies").GetArrayLength()));
        double[] all = Means(rows[1]);
        // With every label given, the first method is the plain basin classifier and spreading changes no label: it is k-NN.
        Assert.Equal(result.GetProperty("accuracy").GetDouble(), all[0], 12);
        Assert.Equal(result.GetProperty("knnAccuracy").GetDouble(), all[2], 12);
        Assert.Equal(all[2], all[3], 12);
        Assert.True(all[1] >= all[0]); // naming unlabelled attractors can only add correct answers
        Assert.Equal(2, CliRunner.Invoke("classify", "--model", Path.Combine(dir, "train", "model.safetensors"), "--label-fractions", "0", "--out", classifyDir).ExitCode);
    }

    [Fact]
    public void TrackingRecordsTheMapsFixedPointsAtEveryTrackedEpochAndTheLastAgreesWithTheFinalCensus()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("train", "--train-count", "40", "--test-count", "20", "--hidden", "16", "--epochs", "7", "--census-starts", "10",
            "--track-every", "3", "--no-plot", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        string[] rows = File.ReadAllLines(Path.Combine(dir, "memory_epochs.csv"));
        Assert.StartsWith("epoch,median_spectral_radius_at_image,stored_within_0.05", rows[0]);
        Assert.Equal(["0", "3", "6", "7"], rows.Skip(1).Select(r => r.Split(',')[0]).ToArray());
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "train.json")));
        JsonElement memory = doc.RootElement.GetProperty("memory");
        string[] last = rows[^1].Split(',');
        Assert.Equal(memory.GetProperty("storedAt").GetProperty("0.25").GetInt32(), int.Parse(last[4], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(memory.GetProperty("spuriousAttractors").GetInt32(), int.Parse(last[7], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(memory.GetProperty("medianSpectralRadiusAtImage").GetDouble(), double.Parse(last[1], System.Globalization.CultureInfo.InvariantCulture), 12);
        Assert.Equal(2, CliRunner.Invoke("train", "--track-every", "-1", "--out", dir).ExitCode);
    }

    [Fact]
    public void EarlyExitReportsLoopsAccuracyAndSpeedUp()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("early-exit", "--train-count", "200", "--test-count", "50", "--hidden", "8", "--loops", "4", "--epochs", "2",
            "--taus", "0.01,1000", "--repeats", "1", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "early_exit.json")));
        JsonElement models = doc.RootElement.GetProperty("models");
        Assert.Equal(2, models.GetArrayLength());
        foreach (JsonElement m in models.EnumerateArray())
        {
            JsonElement rows = m.GetProperty("rows");
            Assert.Equal(1 + 2 * 2 + 3, rows.GetArrayLength()); // full depth + 2 τ × 2 criteria + fixed depths 1 … 3
            Assert.Equal(4.0, rows[0].GetProperty("meanLoops").GetDouble());
            // τ = 1000 exits after the first loop with either criterion.
            Assert.Equal(1.0, rows[2].GetProperty("meanLoops").GetDouble());
            Assert.True(rows[2].GetProperty("speedUp").GetDouble() > 0);
        }
        Assert.True(File.Exists(Path.Combine(dir, "early_exit.png")));
        Assert.True(File.Exists(Path.Combine(dir, "classifier-looped.safetensors")));
    }

    [Fact]
    public void ReproduceApplicationsQuickRunsEveryStage()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("reproduce", "applications", "--quick", "--no-plot", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        string md = File.ReadAllText(Path.Combine(dir, "applications.md"));
        foreach (string section in new[] { "Training and storage", "Heavy tails", "Restoration", "Classification by basin", "Early exit: looped", "Early exit: deep", "Time" })
            Assert.Contains(section, md);
    }

    public static TheoryData<string[], string> BadInputs => new()
    {
        { ["train", "--epochs", "0"], "--epochs" },
        { ["train", "--data", "/no/such/file.csv"], "no such file" },
        { ["train", "--hidden", "16,x"], "--hidden" },
        { ["train", "--jacobian-penalty", "-1"], "--jacobian-penalty" },
        { ["train", "--depth", "3"], "--depth" },
        { ["train", "--train-count", "5000"], "--train-count" },
        { ["train", "--format", "parquet"], "--format" },
        { ["restore", "--model", "/no/such/model.safetensors"], "no such file" },
        { ["restore", "--model", "MODEL", "--damage", "smudge:1"], "--damage" },
        { ["restore", "--model", "MODEL", "--damage", "block:9"], "does not fit" },
        { ["classify", "--model", "MODEL", "--k", "0"], "--k" },
        { ["early-exit", "--taus", "x"], "--taus" },
        { ["early-exit", "--models", "wide"], "--models" },
        { ["early-exit", "--criterion", "entropy"], "--criterion" },
        { ["reproduce"], "" },
        { ["reproduce", "applications", "--bogus"], "--bogus" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputExitsTwoWithOneLine(string[] args, string mention)
    {
        string dir = CliRunner.TempDir();
        string model = Path.Combine(dir, "m.safetensors");
        ModelFile.Save(new Network([new DenseLayer(64, 64, new double[64 * 64], new double[64])], new TanhActivation()), model);
        var run = CliRunner.Invoke(args.Select(a => a == "MODEL" ? model : a).Concat(["--out", Path.Combine(dir, "o")]).ToArray());
        Assert.Equal(2, run.ExitCode);
        string err = run.Err.Trim();
        Assert.DoesNotContain('\n', err);
        Assert.StartsWith("error:", err);
        Assert.Contains(mention, err);
    }

    [Fact]
    public void CorruptDataFilesExitTwoWithOneLine()
    {
        string dir = CliRunner.TempDir();
        string idx = Path.Combine(dir, "images-idx3-ubyte");
        File.WriteAllBytes(idx, [0, 0, 8, 3, 0, 0, 0, 9, 0, 0, 0, 8, 0, 0, 0, 8, 1, 2, 3]);
        var run = CliRunner.Invoke("train", "--data", idx, "--out", Path.Combine(dir, "o"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("ends inside", run.Err);
        Assert.Single(run.Err.Trim().Split('\n'));
    }

    [Fact]
    public void TrainReadsAnIdxFileWithLabels()
    {
        string dir = CliRunner.TempDir();
        string images = Path.Combine(dir, "images-idx3-ubyte"), labels = Path.Combine(dir, "labels-idx1-ubyte");
        Dataset digits = DigitsReader.Read(DigitsReader.FindShipped()).Take(60);
        IdxReader.WriteBytes(images, [60, 8, 8], digits.Features.Select(v => (byte)Math.Round((v + 1) * 127.5)).ToArray());
        IdxReader.WriteBytes(labels, [60], digits.Labels!.Select(l => (byte)l).ToArray());
        var run = CliRunner.Invoke("train", "--data", images, "--labels", labels, "--train-count", "40", "--hidden", "8", "--epochs", "2",
            "--no-census", "--no-plot", "--out", Path.Combine(dir, "o"));
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains("40 training and 20 test", run.Out);
    }

    [Fact]
    public void InterruptedTrainingKeepsTheModelAndCurvesAndExits130()
    {
        string dir = CliRunner.TempDir();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var run = CliRunner.Invoke(cts.Token, "train", "--train-count", "30", "--hidden", "8", "--epochs", "50", "--no-plot", "--out", dir);
        Assert.Equal(130, run.ExitCode);
        Assert.True(File.Exists(Path.Combine(dir, "model.safetensors")));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "train.json")));
        Assert.True(doc.RootElement.GetProperty("partial").GetBoolean());
        Assert.Equal(0, doc.RootElement.GetProperty("final").GetProperty("epoch").GetInt32());
    }

    [Fact]
    public void TiedAutoencoderTrainsAndLoadsAsALoopedNetwork()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("train", "--tied", "--depth", "3", "--train-count", "30", "--epochs", "2", "--no-census", "--no-plot", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        Network net = ModelFile.Load(Path.Combine(dir, "model.safetensors"));
        Assert.True(net.Tied);
        Assert.Equal(3, net.Depth);
        Assert.Single(net.Layers);
    }
}
