using Iteration.Streaming.Contracts;
using Iteration.Streaming.Records;

namespace Iteration.Streaming.Engine;

/// <summary>A page of <see cref="IIterationEngine.ListGenerationsAsync"/>.</summary>
/// <param name="Items">The generations, newest first.</param>
/// <param name="Next">Where the next page starts, or <see langword="null"/> when this page is the last.</param>
public sealed record GenerationListPage(IReadOnlyList<GenerationListItem> Items, GenerationRecordPosition? Next);
