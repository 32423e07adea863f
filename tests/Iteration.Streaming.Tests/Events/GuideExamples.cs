namespace Iteration.Streaming.Tests.Events;

/// <summary>Every JSON example of the frontend SSE integration guide, verbatim.</summary>
internal static class GuideExamples
{
    public static TheoryData<string, string> All => new()
    {
        { "initializing", """
            {
              "generation_id": "e96b74bc-aba8-4837-bb43-237fd687d18b",
              "status": "processing",
              "stage": "initializing",
              "progress": 0.1,
              "message": "Starting classic generation...",
              "generation_mode": "classic",
              "timestamp": 1760660674.205
            }
            """ },
        { "code_generation", """
            {
              "generation_id": "e96b74bc-aba8-4837-bb43-237fd687d18b",
              "status": "processing",
              "stage": "code_generation",
              "progress": 0.3,
              "message": "Generating code using classic AI pipeline...",
              "generation_mode": "classic",
              "timestamp": 1760660674.305
            }
            """ },
        { "phased_generation_started", """
            {
              "generation_id": "e96b74bc-aba8-4837-bb43-237fd687d18b",
              "status": "processing",
              "stage": "phased_generation_started",
              "progress": 0.05,
              "message": "Starting phased generation for 1 entities",
              "generation_mode": "classic",
              "phase_info": {
                "total_phases": 6,
                "current_phase": 0,
                "entities_count": 1
              },
              "timestamp": 1760660674.500
            }
            """ },
        { "phase_1_complete", """
            {
              "generation_id": "e96b74bc-aba8-4837-bb43-237fd687d18b",
              "status": "processing",
              "stage": "phase_1_complete",
              "progress": 0.2,
              "message": "Phase 1 complete: Generated 5 core infrastructure files",
              "generation_mode": "classic",
              "phase_info": {
                "phase": 1,
                "name": "Core Infrastructure",
                "files_generated": 5,
                "total_files": 5
              },
              "timestamp": 1760660674.800
            }
            """ },
        { "phase_2_complete", """
            {
              "generation_id": "e96b74bc-aba8-4837-bb43-237fd687d18b",
              "status": "processing",
              "stage": "phase_2_complete",
              "progress": 0.4,
              "message": "Phase 2 complete: Generated 4 User entity files",
              "generation_mode": "classic",
              "phase_info": {
                "phase": 2,
                "name": "User Entity",
                "files_generated": 4,
                "total_files": 9
              },
              "timestamp": 1760660675.200
            }
            """ },
        { "phase_5_complete", """
            {
              "generation_id": "e96b74bc-aba8-4837-bb43-237fd687d18b",
              "status": "processing",
              "stage": "phase_5_complete",
              "progress": 0.85,
              "message": "Phase 5 complete: Generated 5 support files",
              "generation_mode": "classic",
              "phase_info": {
                "phase": 5,
                "name": "Support Files",
                "files_generated": 5,
                "total_files": 14
              },
              "timestamp": 1760660675.800
            }
            """ },
        { "phase_6_complete", """
            {
              "generation_id": "e96b74bc-aba8-4837-bb43-237fd687d18b",
              "status": "processing",
              "stage": "phase_6_complete",
              "progress": 0.95,
              "message": "Phase 6 complete: Generated 2 main application files",
              "generation_mode": "classic",
              "phase_info": {
                "phase": 6,
                "name": "Main Application",
                "files_generated": 2,
                "total_files": 16
              },
              "timestamp": 1760660676.000
            }
            """ },
        { "file_management", """
            {
              "generation_id": "e96b74bc-aba8-4837-bb43-237fd687d18b",
              "status": "processing",
              "stage": "file_management",
              "progress": 0.97,
              "message": "Organizing and saving files...",
              "generation_mode": "classic",
              "timestamp": 1760660676.100
            }
            """ },
        { "quality_assessment", """
            {
              "generation_id": "e96b74bc-aba8-4837-bb43-237fd687d18b",
              "status": "processing",
              "stage": "quality_assessment",
              "progress": 0.99,
              "message": "Running quality assessment...",
              "generation_mode": "classic",
              "timestamp": 1760660676.200
            }
            """ },
        { "completed", """
            {
              "generation_id": "e96b74bc-aba8-4837-bb43-237fd687d18b",
              "status": "completed",
              "stage": "completed",
              "progress": 1.0,
              "message": "Iteration completed successfully with 16 files",
              "generation_mode": "classic",
              "timestamp": 1760660676.300
            }
            """ },
        { "validation_warning", """
            {
              "generation_id": "e96b74bc-aba8-4837-bb43-237fd687d18b",
              "status": "processing",
              "stage": "validation",
              "progress": 0.97,
              "message": "⚠️ Warning: Expected ~14 files, got 12. Some parent files may be missing.",
              "generation_mode": "classic",
              "warning_type": "data_loss_detection",
              "parent_file_count": 14,
              "new_file_count": 12,
              "timestamp": 1760660676.250
            }
            """ },
        { "failed", """
            {
              "generation_id": "e96b74bc-aba8-4837-bb43-237fd687d18b",
              "status": "failed",
              "stage": "error",
              "progress": 0.0,
              "message": "Classic generation failed: 'FileManager' object has no attribute 'create_generation_zip'",
              "generation_mode": "classic",
              "error": "'FileManager' object has no attribute 'create_generation_zip'",
              "timestamp": 1760660676.400
            }
            """ },
    };
}
