using Fixpoint.Applications;
using Fixpoint.Certify;
using Fixpoint.Maps;
using Fixpoint.Training;

namespace Fixpoint.Tests.Applications;

/// <summary>Issue 8 acceptance: an autoencoder trained with the Jacobian penalty on a subset of the digits stores training images as attracting fixed points.</summary>
public class MemoryTests
{
    [Fact]
    public void PenalisedAutoencoderStoresTrainingImagesAsCertifiedAttractors()
    {
        Dataset digits = DigitsReader.Read(DigitsReader.FindShipped());
        var (train, _, _, _) = digits.Split(20, 10, 0);
        SquareModel model = SquareModel.Create(new SquareNetworkSpec(64, [128], new TanhActivation()), 0);
        var options = new TrainOptions
        {
            Epochs = 300, BatchSize = 10, JacobianPenalty = 0.1, CosineDecay = true, RecordTails = false,
            Adam = new AdamOptions { LearningRate = 3e-3 },
        };
        TrainingResult result = AutoencoderTrainer.Train(model, train, null, options);
        Assert.True(result.Final.Reconstruction < 0.01, $"training MSE {result.Final.Reconstruction}");
        Assert.True(result.Final.Reconstruction < result.History[0].Reconstruction / 50);

        Network net = model.ToNetwork();
        MemoryReport m = MemoryAnalysis.Run(net, train, new MemoryOptions { RandomStarts = 20, Certify = 1 });
        Assert.True(m.Stored >= 1, $"no training image is an attracting fixed point (ladder {string.Join(", ", m.StoredAt)})");
        StoredImage s = m.Images.First(i => i.Stored);
        Assert.True(s.SpectralRadius < 1);
        Assert.True(s.DistanceInf <= MemoryOptions.DefaultStoreTol);
        var fp = m.Census.FixedPoints[s.FixedPoint!.Value];
        var y = new double[64];
        net.Evaluate(fp.X, y);
        Assert.True(y.Zip(fp.X).Max(p => Math.Abs(p.First - p.Second)) <= 1e-10, "the attractor is a fixed point");
        AttractorCertificate c = Assert.Single(m.Certificates);
        Assert.Equal(CertificateStatus.Unique, c.Status);
        Assert.True(c.LargestRadius > 0);
    }

    [Fact]
    public void TrainingIsDeterministicAndIndependentOfTheThreadCount()
    {
        Dataset digits = DigitsReader.Read(DigitsReader.FindShipped()).Take(40);
        double[] Run(int threads)
        {
            SquareModel model = SquareModel.Create(new SquareNetworkSpec(64, [16], new TanhActivation()), 4);
            AutoencoderTrainer.Train(model, digits, null, new TrainOptions { Epochs = 3, BatchSize = 36, JacobianPenalty = 0.2, InputNoise = 0.1, Seed = 4, Threads = threads });
            return model.Parameters.SelectMany(p => p).ToArray();
        }
        double[] a = Run(1), b = Run(2), c = Run(1);
        Assert.Equal(a, b);
        Assert.Equal(a, c);
    }

    [Fact]
    public void TailsAreRecordedForEveryLayerAndEpoch()
    {
        Dataset digits = DigitsReader.Read(DigitsReader.FindShipped()).Take(30);
        SquareModel model = SquareModel.Create(new SquareNetworkSpec(64, [32], new TanhActivation()), 1);
        TrainingResult r = AutoencoderTrainer.Train(model, digits, null, new TrainOptions { Epochs = 2, BatchSize = 10 });
        Assert.Equal(3, r.History.Count);
        Assert.All(r.History, e => Assert.Equal(2, e.Tails.Count));
        Assert.All(r.History, e => Assert.All(e.Tails, t => Assert.True(double.IsFinite(t.Hill) && t.Esd is not null && t.SpectralNorm > 0)));
        Assert.True(double.IsNaN(r.History[0].Objective));
        Assert.All(r.History, e => Assert.True(e.JacobianPenalty > 0));
    }

    [Fact]
    public void TrainedModelSavesAndLoadsAsANetwork()
    {
        SquareModel model = SquareModel.Create(new SquareNetworkSpec(6, [], new TanhActivation(), tied: true, depth: 3), 2);
        Network net = model.ToNetwork();
        Assert.True(net.Tied);
        Assert.Equal(3, net.Depth);
        string path = Path.Combine(CliRunner.TempDir(), "m.safetensors");
        Fixpoint.IO.ModelFile.Save(net, path);
        SquareModel back = SquareModel.FromNetwork(Fixpoint.IO.ModelFile.Load(path));
        Assert.Equal(model.Parameters.SelectMany(p => p), back.Parameters.SelectMany(p => p));
        Assert.Equal(model.Applied, back.Applied);
    }
}
