namespace Fixpoint.Cli;

/// <summary>The census's array files: jacobians.safetensors (<c>--save-jacobians</c>) and trajectories.safetensors (<c>--trajectories</c>), float64.</summary>
internal static class CensusArrays
{
    /// <summary>
    /// <c>point.K.jacobian</c> [N, N] (row i: ∂F_i/∂x) at fixed point K of census.json's <c>fixedPoints</c>, and for every held input
    /// of the model <c>point.K.dFdu.NAME</c> [N, m] (∂F/∂u of that input, m its length). The metadata says how many points there are.
    /// </summary>
    public static void WriteJacobians(string path, CensusResult result, IMap map, IConditionedModel model, HeldCondition condition)
    {
        int n = map.Dimension;
        var tensors = new List<(string, int[], double[])>();
        var workspace = new JacobianWorkspace();
        int m = model.HeldInputs.Sum(h => h.Length);
        for (int k = 0; k < result.FixedPoints.Count; k++)
        {
            double[] x = result.FixedPoints[k].X;
            var jac = new double[n * n];
            map.Jacobian(x, jac, workspace);
            tensors.Add(($"point.{k}.jacobian", [n, n], jac));
            if (m == 0) continue;
            var dFdu = new double[n * m];
            model.InputJacobian(x, condition.Values, dFdu);
            int from = 0;
            foreach (HeldInput h in model.HeldInputs)
            {
                var block = new double[n * h.Length];
                for (int i = 0; i < n; i++) Array.Copy(dFdu, i * m + from, block, i * h.Length, h.Length);
                tensors.Add(($"point.{k}.dFdu.{h.Name}", [n, h.Length], block));
                from += h.Length;
            }
        }
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "fixpoint-jacobians/1",
            ["points"] = result.FixedPoints.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["jacobian"] = map.HasExactJacobian ? "exact" : "estimated",
        };
        Safetensors.Write(path, tensors, metadata);
    }

    /// <summary><c>trajectories</c> [K, T + 1, N]: the orbits of the first K starts, state 0 the start.</summary>
    public static void WriteTrajectories(string path, double[] values, int count, int steps, int n) =>
        Safetensors.Write(path, [("trajectories", [count, steps + 1, n], values)], new Dictionary<string, string>
        {
            ["format"] = "fixpoint-trajectories/1",
            ["map"] = "x_{t+1} = F(x_t)",
        });
}
