using Iteration.Streaming.Client;
using Iteration.Streaming.Events;
using Iteration.Streaming.Sample.Console;

if (ConsoleArguments.IsHelp(args))
{
    Console.WriteLine(ConsoleArguments.Usage);
    return 0;
}

ConsoleArguments arguments;
try
{
    arguments = ConsoleArguments.Parse(args, Environment.GetEnvironmentVariable(ConsoleArguments.ControlTokenVariable));
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(ConsoleArguments.Usage);
    return 2;
}

// No overall timeout: the watch lasts as long as the run; the client detects a dead connection itself.
using var http = new HttpClient { BaseAddress = arguments.Server, Timeout = Timeout.InfiniteTimeSpan };
var client = new IterationClient(http);
using var stop = new CancellationTokenSource();
using var interrupted = new CancellationTokenSource();

if (arguments.WatchMany is { } count)
{
    // Ctrl+C stops watching; the runs go on on the server.
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Cancel();
    };
    return await new WatchManyCommand(client, Console.Out).RunAsync(arguments.Prompt!, arguments.Entities, count, stop.Token);
}

GenerationHandle handle;
try
{
    handle = (arguments.RetryId, arguments.ParentId) switch
    {
        ({ } retried, _) => await client.RetryAsync(Known(retried), arguments.Review),
        (_, { } parent) => await client.IterateAsync(Known(parent), arguments.Prompt!, arguments.Review),
        _ => await client.StartAsync(arguments.Prompt!, arguments.Entities, arguments.Review),
    };
}
catch (IterationApiException e)
{
    Console.Error.WriteLine($"The server refused to start: {e.Message}");
    return 1;
}
catch (HttpRequestException e)
{
    Console.Error.WriteLine($"Cannot reach {arguments.Server}: {e.Message}. Is the sample web host running?");
    return 1;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

Console.WriteLine(handle.RetryOf is { } retryOf
    ? $"Generation {handle.GenerationId} retries {retryOf}. Ctrl+C cancels it on the server."
    : $"Generation {handle.GenerationId} started. Ctrl+C cancels it on the server.");
var interrupts = 0;
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C: cancel the run on the server and keep watching until it says "cancelled". Second: stop watching.
    e.Cancel = true;
    if (Interlocked.Increment(ref interrupts) == 1)
    {
        Console.WriteLine();
        Console.WriteLine("Cancelling… (Ctrl+C again to stop watching; the run is cancelled either way)");
        interrupted.Cancel();
        _ = CancelOnServerAsync();
    }
    else
    {
        stop.Cancel();
    }
};

var view = new ProgressView();
// A gate is answered here whether --review asked for it or the host's default review did; a redirected stdin approves.
var gates = new GatePrompt(client, Console.In, Console.Out, interactive: !Console.IsInputRedirected);
StreamingProgressEvent? last = null;
try
{
    await foreach (var progress in client.WatchAsync(handle, cancellationToken: stop.Token))
    {
        view.Show(progress);
        last = progress;
        if (progress.Stage == GenerationStages.AwaitingInput && !interrupted.IsCancellationRequested
            && !await gates.AnswerAsync(handle, progress, interrupted.Token))
        {
            break;
        }
    }
}
catch (IterationApiException e)
{
    Console.Error.WriteLine($"Cannot watch the generation: {e.Message}");
    return 1;
}
catch (IterationStreamException e)
{
    Console.Error.WriteLine($"Lost the stream: {e.Message}");
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.WriteLine();
    Console.WriteLine("Stopped watching.");
}

Console.WriteLine();
switch (last?.Status)
{
    case GenerationStatus.Completed:
        Console.WriteLine("Completed.");
        break;
    case GenerationStatus.Failed:
        Console.WriteLine($"Failed: {(last.Error ?? last.Message).TrimEnd('.')}. The files saved before the failure are kept.");
        break;
    case GenerationStatus.Cancelled:
        Console.WriteLine("Cancelled. The files saved before cancelling are kept.");
        break;
    case GenerationStatus.AwaitingInput:
        Console.WriteLine($"The run waits for its review until {last.InputRequest?.ExpiresAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC; the files saved so far:");
        break;
    default:
        Console.WriteLine("The run has not ended yet; the files saved so far:");
        break;
}

try
{
    var files = await client.ListFilesAsync(handle);
    Console.WriteLine(files.Files.Count == 1 ? "1 file:" : $"{files.Files.Count} files:");
    foreach (var file in files.Files)
    {
        Console.WriteLine($"  {file.Path,-50} {file.Size,8} B  phase {file.Phase}");
    }
}
catch (Exception e) when (e is IterationApiException or HttpRequestException)
{
    Console.Error.WriteLine($"Cannot list the files: {e.Message}");
}

Console.WriteLine($"Zip: {arguments.Server.ToString().TrimEnd('/')}/generations/{handle.GenerationId}/archive (send the sse_token as a Bearer header)");
if (last?.Status != GenerationStatus.AwaitingInput)
{
    // A run still waiting at a gate can be neither iterated nor retried yet.
    Console.WriteLine(NextCommand.Describe(
        arguments.Server, handle.GenerationId, last?.Status == GenerationStatus.Completed, handle.ControlToken, Console.IsOutputRedirected));
}
if (!Console.IsOutputRedirected)
{
    Console.WriteLine("The control token lets its holder iterate, cancel and retry: keep it secret.");
}

return last?.Status == GenerationStatus.Completed ? 0 : 1;

// A generation started by an earlier run: its id and control token (which also reads; the client sends tokens only in headers).
GenerationHandle Known(string id) => new(id, arguments.ControlToken!) { ControlToken = arguments.ControlToken };

async Task CancelOnServerAsync()
{
    try
    {
        // The handle carries the control token from the 202: cancel sends it in the Authorization header.
        if (!await client.CancelAsync(handle))
        {
            Console.WriteLine("The run had already ended; nothing to cancel.");
        }
    }
    catch (Exception e) when (e is IterationApiException or HttpRequestException)
    {
        Console.Error.WriteLine($"Could not cancel the run: {e.Message}");
    }
}
