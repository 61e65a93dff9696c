using Fixpoint.Maps;
using Fixpoint.Numerics;
using Fixpoint.Training;

namespace Fixpoint.Tests.Applications;

/// <summary>Backpropagation against central finite differences of an objective computed independently (Network.EvaluateBatch and Network.JacobianVector).</summary>
public class GradientTests
{
    private const double H = 1e-5;
    private const double Tolerance = 1e-6;

    public static TheoryData<string, double> AutoencoderCases => new()
    {
        { "dense", 0.0 },
        { "dense", 0.7 },
        { "tied", 0.0 },
        { "tied", 0.7 },
        { "logistic", 0.7 },
        { "softplus", 0.7 },
    };

    [Theory]
    [MemberData(nameof(AutoencoderCases))]
    public void AutoencoderGradientMatchesFiniteDifferences(string kind, double lambda)
    {
        SquareNetworkSpec spec = kind switch
        {
            "dense" => new SquareNetworkSpec(5, [7, 6], new TanhActivation()),
            "tied" => new SquareNetworkSpec(5, [], new TanhActivation(), tied: true, depth: 3, initGain: 1.5),
            "logistic" => new SquareNetworkSpec(5, [6], new LogisticActivation(), initGain: 2),
            _ => new SquareNetworkSpec(5, [6], new SoftplusActivation()),
        };
        SquareModel model = SquareModel.Create(spec, 3);
        var rng = new Rng(5);
        int rows = 37, n = 5; // more than two chunks of 16 rows
        double[] x = Draw(rows * n, () => rng.Uniform(-1, 1));
        double[] y = Draw(rows * n, () => rng.Uniform(-1, 1));
        double[] v = Draw(rows * n, rng.Normal);
        var objective = new AutoencoderObjective(model, threads: 2);
        AutoencoderLoss loss = objective.Compute(x, y, rows, lambda > 0 ? v : null, lambda);
        AutoencoderLoss reference = AutoencoderObjective.Reference(model.ToNetwork(), x, y, rows, v);
        Assert.Equal(reference.Reconstruction, loss.Reconstruction, 1e-12);
        if (lambda > 0) Assert.Equal(reference.JacobianPenalty, loss.JacobianPenalty, 1e-12);

        IReadOnlyList<double[]> ps = model.Parameters;
        double worst = 0;
        for (int p = 0; p < ps.Count; p++)
            for (int i = 0; i < ps[p].Length; i++)
            {
                double old = ps[p][i];
                ps[p][i] = old + H;
                double fp = AutoencoderObjective.Reference(model.ToNetwork(), x, y, rows, v).Total(lambda);
                ps[p][i] = old - H;
                double fm = AutoencoderObjective.Reference(model.ToNetwork(), x, y, rows, v).Total(lambda);
                ps[p][i] = old;
                double fd = (fp - fm) / (2 * H), g = objective.Gradient[p][i];
                worst = Math.Max(worst, Math.Abs(fd - g) / Math.Max(1e-4, Math.Abs(fd) + Math.Abs(g)));
            }
        Assert.True(worst < Tolerance, $"worst relative gradient error {worst:e3}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ClassifierGradientMatchesFiniteDifferences(bool looped)
    {
        ClassifierSpec spec = looped
            ? ClassifierSpec.Looped(5, 6, 3, 4, new TanhActivation())
            : ClassifierSpec.Deep(5, 6, 3, 4, new TanhActivation());
        LoopedClassifier model = LoopedClassifier.Create(spec, 2);
        var rng = new Rng(4);
        int rows = 21;
        double[] x = Draw(rows * 5, () => rng.Uniform(-1, 1));
        int[] labels = Enumerable.Range(0, rows).Select(_ => (int)(rng.NextUInt64() % 3)).ToArray();
        var grad = model.Parameters.Select(p => new double[p.Length]).ToArray();
        model.Loss(x, labels, rows, grad, threads: 2);
        IReadOnlyList<double[]> ps = model.Parameters;
        double worst = 0;
        for (int p = 0; p < ps.Count; p++)
            for (int i = 0; i < ps[p].Length; i++)
            {
                double old = ps[p][i];
                ps[p][i] = old + H;
                double fp = model.Loss(x, labels, rows, null).Loss;
                ps[p][i] = old - H;
                double fm = model.Loss(x, labels, rows, null).Loss;
                ps[p][i] = old;
                double fd = (fp - fm) / (2 * H);
                worst = Math.Max(worst, Math.Abs(fd - grad[p][i]) / Math.Max(1e-4, Math.Abs(fd) + Math.Abs(grad[p][i])));
            }
        Assert.True(worst < Tolerance, $"worst relative gradient error {worst:e3}");
    }

    [Fact]
    public void ClassifierInferenceAgreesWithTheTrainingForwardPass()
    {
        LoopedClassifier model = LoopedClassifier.Create(ClassifierSpec.Looped(4, 5, 3, 6, new TanhActivation()), 1);
        var rng = new Rng(9);
        double[] x = Draw(4, () => rng.Uniform(-1, 1));
        var ws = new LoopedClassifier.Workspace(model);
        (int label, int loops) = model.Predict(x, ExitRule.Never, ws);
        Assert.Equal(6, loops);
        for (int y = 0; y < 3; y++)
        {
            (_, int correct) = model.Loss(x, [y], 1, null);
            Assert.Equal(y == label ? 1 : 0, correct);
        }
        double[][] states = model.States(x);
        Assert.Equal(7, states.Length);
    }

    private static double[] Draw(int count, Func<double> draw) => Enumerable.Range(0, count).Select(_ => draw()).ToArray();
}
