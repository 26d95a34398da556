namespace ModelStore.Plums;

/// <summary>The cross-field rules of the PMF training section, with Plums' messages, all reported together.</summary>
internal static class TrainingRules
{
    public static List<string> Check(
        TrainingStatus status,
        double? startTime,
        int? startEpoch,
        double? latestTime,
        int? latestEpoch,
        double? endTime,
        int? endEpoch,
        CheckpointReference? latest,
        IReadOnlyCollection<(CheckpointReference Reference, int Epoch)> checkpoints)
    {
        var errors = new List<string>();
        var pending = status == TrainingStatus.Pending;
        var pendingOrRunning = status is TrainingStatus.Pending or TrainingStatus.Running;

        // Times.
        if (startTime is null && endTime is not null)
        {
            errors.Add("end_time provided without a start_time");
        }

        if (startTime is null && latestTime is not null)
        {
            errors.Add("latest_time provided without a start_time");
        }

        if (latestTime is null && endTime is not null)
        {
            errors.Add("end_time provided without a latest_time");
        }

        if (startTime is not null)
        {
            if (latestTime is not null && startTime > latestTime)
            {
                errors.Add("latest_time happened before start_time");
            }

            if (startEpoch is null)
            {
                errors.Add("start_time provided without a start_epoch");
            }

            if (pending)
            {
                errors.Add("start_time provided with pending status");
            }
        }

        if (latestTime is not null)
        {
            if (endTime is not null && latestTime > endTime)
            {
                errors.Add("end_time happened before latest_time");
            }

            if (latestEpoch is null)
            {
                errors.Add("latest_time provided without a latest_epoch");
            }

            if (pending)
            {
                errors.Add("latest_time provided with pending status");
            }
        }

        if (endTime is not null)
        {
            if (endEpoch is null)
            {
                errors.Add("end_time provided without an end_epoch");
            }

            if (pendingOrRunning)
            {
                errors.Add("end_time provided with a running or pending status");
            }
        }

        // Epochs.
        if (startEpoch is null && endEpoch is not null)
        {
            errors.Add("end_epoch provided without a start_epoch");
        }

        if (startEpoch is null && latestEpoch is not null)
        {
            errors.Add("latest_epoch provided without a start_epoch");
        }

        if (latestEpoch is null && endEpoch is not null)
        {
            errors.Add("end_epoch provided without a latest_epoch");
        }

        if (startEpoch is not null)
        {
            if (latestEpoch is not null && startEpoch > latestEpoch)
            {
                errors.Add("latest_epoch happened before start_epoch");
            }

            if (startTime is null)
            {
                errors.Add("start_epoch provided without a start_time");
            }

            if (pending)
            {
                errors.Add("start_epoch provided with pending status");
            }
        }

        if (latestEpoch is not null)
        {
            if (endEpoch is not null && latestEpoch > endEpoch)
            {
                errors.Add("end_epoch happened before latest_epoch");
            }

            if (latestTime is null)
            {
                errors.Add("latest_epoch provided without a latest_time");
            }

            if (pending)
            {
                errors.Add("latest_epoch provided with pending status");
            }
        }

        if (endEpoch is not null)
        {
            if (endTime is null)
            {
                errors.Add("end_epoch provided without an end_time");
            }

            if (pendingOrRunning)
            {
                errors.Add("end_epoch provided with a running or pending status");
            }
        }

        // Checkpoints.
        if (latest is { } reference && checkpoints.Count > 0 && !checkpoints.Any(c => c.Reference == reference))
        {
            errors.Add("latest points to an unregistered checkpoint name");
        }

        if (latestEpoch is not null && checkpoints.Any(c => c.Epoch > latestEpoch))
        {
            errors.Add("at least one registered checkpoint has an epoch greater than latest_epoch");
        }

        return errors;
    }
}
