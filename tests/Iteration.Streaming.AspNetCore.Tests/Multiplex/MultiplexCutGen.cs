using CsCheck;

namespace Iteration.Streaming.AspNetCore.Tests.Multiplex;

/// <summary>Plans of <see cref="MultiplexCutScenario"/>: where each connection is cut and how the runs move meanwhile.</summary>
internal static class MultiplexCutGen
{
    /// <summary>Cut after 1 to 12 events, or after 1 byte to a few frames' worth of bytes (often mid-frame).</summary>
    public static readonly Gen<MultiplexCut> Cut = Gen.Frequency(
        (3, Gen.Int[1, 12].Select(MultiplexCut.AfterEvents)),
        (2, Gen.Long[1, 6_000].Select(MultiplexCut.AfterBytes)));

    /// <summary>What a phase does: usually 0 to 3 files, sometimes fails its run.</summary>
    public static readonly Gen<int> PhaseFiles = Gen.Frequency((8, Gen.Int[0, 3]), (1, Gen.Const(-1)));

    /// <summary><paramref name="generations"/> runs, <paramref name="minSteps"/> to <paramref name="maxSteps"/> cut connections, 0 to 3 phases released on each.</summary>
    public static Gen<MultiplexCutPlan> Plan(int generations, int minSteps, int maxSteps) => Gen.Select(
        Gen.Select(Cut, Gen.Int[0, 3], (cut, release) => new MultiplexCutStep(cut, release)).Array[minSteps, maxSteps],
        PhaseFiles.Array[5, 13],
        (steps, files) => new MultiplexCutPlan(generations, steps, files));
}
