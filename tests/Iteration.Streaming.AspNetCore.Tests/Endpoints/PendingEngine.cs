namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

/// <summary>Why a test of the HTTP edge of budgets waits: the engine side is built on main at the same time.</summary>
internal static class PendingEngine
{
    public const string Budgets =
        "Waits for the engine's budgets on main (IBudgetPolicy admission, MaxPerGeneration clamping and default, validation of budgets below 1): unskip when merged.";
}
