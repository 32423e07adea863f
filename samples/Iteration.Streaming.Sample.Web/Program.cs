using Iteration.Streaming.Sample.Web;

args = StartupErrors.TakeVerbose(args, out var verbose);
verbose |= StartupErrors.WantsDetails(new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build());
var started = false;
try
{
    var app = SampleHost.Build(args, builder =>
    {
        if (!verbose)
        {
            StartupErrors.QuietHostStartFailure(builder, () => Volatile.Read(ref started));
        }
    });
    app.Lifetime.ApplicationStarted.Register(() =>
    {
        Volatile.Write(ref started, true);
        foreach (var url in app.Urls)
        {
            SampleLog.Running(app.Logger, url);
        }
    });
    app.Run();
    return 0;
}
catch (Exception e) when (!Volatile.Read(ref started))
{
    Console.Error.WriteLine(verbose ? e.ToString() : StartupErrors.Describe(e));
    return StartupErrors.ExitCode;
}
