"""Vocabularies of OB 3.0 (Appendix B.3 enumerations) as ``StrEnum`` constants.

Fields of the models stay plain strings: these vocabularies are extensible (``ext:…`` values) and
a reader must keep values it does not know. Builders use these constants.
"""

from __future__ import annotations

from enum import StrEnum


class AchievementType(StrEnum):
    ACHIEVEMENT = "Achievement"
    ASSESSMENT = "Assessment"
    AWARD = "Award"
    BADGE = "Badge"
    CERTIFICATE = "Certificate"
    CERTIFICATE_OF_COMPLETION = "CertificateOfCompletion"
    CERTIFICATION = "Certification"
    COMPETENCY = "Competency"
    COURSE = "Course"
    DIPLOMA = "Diploma"
    LEARNING_PROGRAM = "LearningProgram"
    LICENSE = "License"
    MICRO_CREDENTIAL = "MicroCredential"


class AlignmentTargetType(StrEnum):
    CF_ITEM = "CFItem"
    CF_RUBRIC = "CFRubric"
    CF_RUBRIC_CRITERION = "CFRubricCriterion"
    CF_RUBRIC_CRITERION_LEVEL = "CFRubricCriterionLevel"
    CEASN_COMPETENCY = "ceasn:Competency"
    CETERMS_CREDENTIAL = "ceterms:Credential"
    CTDL = "CTDL"


class ResultType(StrEnum):
    GRADE_POINT_AVERAGE = "GradePointAverage"
    LETTER_GRADE = "LetterGrade"
    PERCENT = "Percent"
    PERFORMANCE_LEVEL = "PerformanceLevel"
    PREDICTED_SCORE = "PredictedScore"
    RAW_SCORE = "RawScore"
    RESULT = "Result"
    RUBRIC_CRITERION = "RubricCriterion"
    RUBRIC_CRITERION_LEVEL = "RubricCriterionLevel"
    RUBRIC_SCORE = "RubricScore"
    SCALED_SCORE = "ScaledScore"
    STATUS = "Status"


class ResultStatus(StrEnum):
    COMPLETED = "Completed"
    ENROLLED = "Enrolled"
    FAILED = "Failed"
    IN_PROGRESS = "InProgress"
    ON_HOLD = "OnHold"
    PROVISIONAL = "Provisional"
    WITHDREW = "Withdrew"


class IdentifierType(StrEnum):
    NAME = "name"
    SOURCED_ID = "sourcedId"
    SYSTEM_ID = "systemId"
    PRODUCT_ID = "productId"
    USER_NAME = "userName"
    ACCOUNT_ID = "accountId"
    EMAIL_ADDRESS = "emailAddress"
    NATIONAL_IDENTITY_NUMBER = "nationalIdentityNumber"
    ISBN = "isbn"
    ISSN = "issn"
    IDENTIFIER = "identifier"
