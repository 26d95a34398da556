namespace ModelStore.Plums;

/// <summary>
/// The training record of a model (Plums' <c>Training</c>): status, and start, latest and end epochs with their
/// timestamps (seconds since the Unix epoch, as Python's <c>time.time()</c>).
/// </summary>
/// <remarks>
/// Transitions: pending → running (<see cref="Start"/>), running → running (<see cref="Start"/> again restarts, as in
/// Plums), running → finished (<see cref="End"/>), pending or running → failed (<see cref="Interrupt"/>). Anything else
/// is a <see cref="PlumsException"/> with <see cref="PlumsErrorCode.InvalidTrainingTransition"/>; nothing changes then.
/// </remarks>
public sealed class Training
{
    private readonly TimeProvider _time;

    /// <summary>A pending training.</summary>
    public Training(TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// A training in a given state. As in Plums, a missing latest epoch (time) defaults to the end epoch (time), else the
    /// start epoch (time).
    /// </summary>
    /// <exception cref="PlumsException"><see cref="PlumsErrorCode.InvalidTraining"/> listing every cross-field rule broken.</exception>
    public Training(
        TrainingStatus status,
        int? startEpoch = null,
        double? startTimestamp = null,
        int? latestEpoch = null,
        double? latestTimestamp = null,
        int? endEpoch = null,
        double? endTimestamp = null,
        TimeProvider? timeProvider = null)
        : this(timeProvider)
    {
        latestEpoch ??= endEpoch ?? startEpoch;
        latestTimestamp ??= endTimestamp ?? startTimestamp;
        var errors = TrainingRules.Check(status, startTimestamp, startEpoch, latestTimestamp, latestEpoch, endTimestamp, endEpoch, null, []);
        if (errors.Count > 0)
        {
            throw new PlumsException(PlumsErrorCode.InvalidTraining, "Invalid training parameters: " + string.Join("; ", errors) + ".");
        }

        Status = status;
        StartEpoch = startEpoch;
        StartTimestamp = startTimestamp;
        LatestEpoch = latestEpoch;
        LatestTimestamp = latestTimestamp;
        EndEpoch = endEpoch;
        EndTimestamp = endTimestamp;
    }

    /// <summary>Restores a validated record as it was saved, without defaults.</summary>
    internal static Training Restore(TrainingStatus status, int? startEpoch, double? startTimestamp, int? latestEpoch, double? latestTimestamp, int? endEpoch, double? endTimestamp) =>
        new()
        {
            Status = status,
            StartEpoch = startEpoch,
            StartTimestamp = startTimestamp,
            LatestEpoch = latestEpoch,
            LatestTimestamp = latestTimestamp,
            EndEpoch = endEpoch,
            EndTimestamp = endTimestamp,
        };

    /// <summary>The status.</summary>
    public TrainingStatus Status { get; private set; }

    /// <summary>The starting epoch, if started.</summary>
    public int? StartEpoch { get; private set; }

    /// <summary>The starting timestamp (Unix seconds), if started.</summary>
    public double? StartTimestamp { get; private set; }

    /// <summary>The latest epoch registered, if started.</summary>
    public int? LatestEpoch { get; private set; }

    /// <summary>The timestamp of the latest registration (Unix seconds), if started.</summary>
    public double? LatestTimestamp { get; private set; }

    /// <summary>The ending epoch, if ended.</summary>
    public int? EndEpoch { get; private set; }

    /// <summary>The ending timestamp (Unix seconds), if ended.</summary>
    public double? EndTimestamp { get; private set; }

    /// <summary>Whether the training is pending.</summary>
    public bool IsPending => Status == TrainingStatus.Pending;

    /// <summary>Whether the training is running.</summary>
    public bool IsRunning => Status == TrainingStatus.Running;

    /// <summary>Whether the training finished.</summary>
    public bool IsFinished => Status == TrainingStatus.Finished;

    /// <summary>Whether the training failed.</summary>
    public bool IsFailed => Status == TrainingStatus.Failed;

    /// <summary>Starts (or restarts) the training at <paramref name="epoch"/>, now; the latest epoch becomes <paramref name="epoch"/>.</summary>
    /// <exception cref="PlumsException"><see cref="PlumsErrorCode.InvalidTrainingTransition"/> when finished or failed.</exception>
    public void Start(int epoch)
    {
        Transition(TrainingStatus.Running, "A finished or failed training may not be started.", TrainingStatus.Finished, TrainingStatus.Failed);
        StartEpoch = epoch;
        StartTimestamp = Now();
        LatestEpoch = epoch;
        LatestTimestamp = StartTimestamp;
    }

    /// <summary>
    /// Registers an epoch as the latest, now. Without an epoch, the latest epoch plus one; with one, the latest epoch
    /// becomes the larger of the two (Plums keeps the maximum).
    /// </summary>
    /// <exception cref="PlumsException"><see cref="PlumsErrorCode.InvalidTrainingTransition"/> unless running.</exception>
    public void RegisterEpoch(int? epoch = null)
    {
        if (Status != TrainingStatus.Running)
        {
            throw new PlumsException(PlumsErrorCode.InvalidTrainingTransition, $"Invalid training status: epochs are registered on a running training, this one is {Status.ToPmf()}.");
        }

        LatestEpoch = epoch is { } value ? Math.Max(LatestEpoch!.Value, value) : LatestEpoch!.Value + 1;
        LatestTimestamp = Now();
    }

    /// <summary>Ends the training normally: the end epoch and time become the latest ones.</summary>
    /// <exception cref="PlumsException"><see cref="PlumsErrorCode.InvalidTrainingTransition"/> unless running.</exception>
    public void End()
    {
        Transition(TrainingStatus.Finished, "A finished, failed or pending training may not finish.", TrainingStatus.Pending, TrainingStatus.Failed, TrainingStatus.Finished);
        EndEpoch = LatestEpoch;
        EndTimestamp = LatestTimestamp;
    }

    /// <summary>Ends the training by a failure: the end epoch and time become the latest ones.</summary>
    /// <exception cref="PlumsException"><see cref="PlumsErrorCode.InvalidTrainingTransition"/> when finished.</exception>
    public void Interrupt()
    {
        Transition(TrainingStatus.Failed, "A finished training may not fail.", TrainingStatus.Finished);
        EndEpoch = LatestEpoch;
        EndTimestamp = LatestTimestamp;
    }

    /// <inheritdoc />
    public override string ToString() => $"Training({Status.ToPmf()})";

    private void Transition(TrainingStatus target, string reason, params TrainingStatus[] forbiddenFrom)
    {
        if (Array.IndexOf(forbiddenFrom, Status) >= 0)
        {
            throw new PlumsException(PlumsErrorCode.InvalidTrainingTransition, $"Invalid training status: {reason} ({Status.ToPmf()} -> {target.ToPmf()})");
        }

        Status = target;
    }

    private double Now() => (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond;
}
