-- Numbers at the provider: whether the account holds a number and its calls reach this deployment.
ALTER TABLE phone_numbers
    -- configuring (a numbers.configure job is on its way) → configured (calls ask this deployment) | unconfigured
    -- (no assistant: calls ask nobody) | not_in_account (the provider account does not hold it);
    -- purchasing (a numbers.purchase job is buying it) → configured | purchase_failed.
    ADD COLUMN provider_status     text NOT NULL DEFAULT 'unconfigured'
        CHECK (provider_status IN ('configuring', 'configured', 'unconfigured', 'not_in_account', 'purchasing', 'purchase_failed')),
    ADD COLUMN provider_error      text,
    ADD COLUMN provider_checked_at timestamptz;
