using System.Collections;
using System.Collections.Concurrent;
using Microsoft.Build.Framework;

namespace ModelStore.Build.Tests;

/// <summary>A build engine that records what a task logs.</summary>
internal sealed class FakeBuildEngine : IBuildEngine
{
    public ConcurrentQueue<BuildErrorEventArgs> Errors { get; } = new();

    public ConcurrentQueue<BuildWarningEventArgs> Warnings { get; } = new();

    public ConcurrentQueue<BuildMessageEventArgs> Messages { get; } = new();

    public bool ContinueOnError => false;

    public int LineNumberOfTaskNode => 0;

    public int ColumnNumberOfTaskNode => 0;

    public string ProjectFileOfTaskNode => "fake.csproj";

    public IEnumerable<string> ErrorCodes => Errors.Select(error => error.Code);

    /// <summary>Everything logged, one line each, for assertion messages.</summary>
    public string Log => string.Join(
        Environment.NewLine,
        Errors.Select(e => $"error {e.Code}: {e.Message}")
            .Concat(Warnings.Select(w => $"warning {w.Code}: {w.Message}"))
            .Concat(Messages.Select(m => $"message: {m.Message}")));

    public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) => throw new NotSupportedException();

    public void LogCustomEvent(CustomBuildEventArgs e)
    {
    }

    public void LogErrorEvent(BuildErrorEventArgs e) => Errors.Enqueue(e);

    public void LogMessageEvent(BuildMessageEventArgs e) => Messages.Enqueue(e);

    public void LogWarningEvent(BuildWarningEventArgs e) => Warnings.Enqueue(e);
}
