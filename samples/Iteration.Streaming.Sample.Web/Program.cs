using Iteration.Streaming.Sample.Web;

var app = SampleHost.Build(args);
app.Lifetime.ApplicationStarted.Register(() =>
{
    foreach (var url in app.Urls)
    {
        SampleLog.Running(app.Logger, url);
    }
});
app.Run();
