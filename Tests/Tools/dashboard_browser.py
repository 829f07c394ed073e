"""Drives the dashboard in headless Chromium, as an operator would, for DashboardBrowserTests.

Usage: dashboard_browser.py <settings.json>, with base_url, workspace_id, job_id, queue, the owner's,
viewer's and stranger's email and password, and a folder for screenshots and the pause handshake
(the script writes "paused" there once the queue is paused and waits for the test's "enqueued").
Exits non-zero naming the step that failed; a screenshot of every step is kept in the folder.
"""
import json
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

settings = json.load(open(sys.argv[1]))
base = settings["base_url"]
folder = settings["folder"]
step_number = [0]


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = settings["chromium"]
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1100"]:
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(settings["chromedriver"]), options=options)


def shot(driver, name):
    step_number[0] += 1
    driver.save_screenshot(os.path.join(folder, "%02d-%s.png" % (step_number[0], name)))


def fail(driver, message):
    shot(driver, "failed")
    print("dashboard test failed: %s (page %s)" % (message, driver.current_url))
    sys.exit(1)


def wait_for(driver, what, check, seconds=30, reload=True):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.5)
        if reload:
            driver.refresh()
    fail(driver, "timed out waiting for " + what)


def sign_in(driver, who):
    driver.get(base + "/dashboard/login")
    driver.find_element(By.ID, "email").send_keys(settings[who + "_email"])
    driver.find_element(By.ID, "password").send_keys(settings[who + "_password"])
    driver.find_element(By.ID, "sign-in").click()
    wait_for(driver, who + " signed in", lambda: driver.find_elements(By.ID, "logout"), reload=False)


def text(driver, element_id):
    return driver.find_element(By.ID, element_id).text.strip()


driver = browser()
try:
    workspace = base + "/dashboard/workspaces/" + settings["workspace_id"]
    job_id = str(settings["job_id"])

    # The owner signs in, opens the workspace and sees its failed job.
    sign_in(driver, "owner")
    shot(driver, "home")
    driver.find_element(By.CSS_SELECTOR, "#workspaces a").click()
    wait_for(driver, "the job list", lambda: driver.find_elements(By.ID, "job-" + job_id), reload=False)
    if text(driver, "count-discarded") != "1":
        fail(driver, "the workspace shows %s discarded jobs, expected 1" % text(driver, "count-discarded"))
    if not driver.find_elements(By.ID, "activity-chart"):
        fail(driver, "no activity chart")
    shot(driver, "workspace")

    # It opens the failed job, reads the error, retries it and sees it complete.
    driver.find_element(By.ID, "job-" + job_id).click()
    wait_for(driver, "the job page", lambda: text(driver, "job-state") == "discarded", reload=False)
    if "canary failed attempt 1" not in driver.find_element(By.ID, "errors").text:
        fail(driver, "the job's error is not shown")
    shot(driver, "failed-job")
    driver.find_element(By.ID, "retry").click()
    wait_for(driver, "the retried job to complete", lambda: text(driver, "job-state") == "completed", seconds=60)
    shot(driver, "completed-job")

    # The platform view: the queue, the live worker; pausing stops the worker claiming from it.
    driver.get(base + "/dashboard/platform")
    queue = settings["queue"]
    wait_for(driver, "the worker in the list", lambda: settings["worker_id"] in driver.find_element(By.ID, "workers").text)
    wait_for(driver, "the queue row", lambda: driver.find_elements(By.ID, "queue-" + queue))
    shot(driver, "platform")
    driver.find_element(By.CSS_SELECTOR, "#queue-%s .queue-action" % queue).click()
    wait_for(driver, "the queue to show paused", lambda: "paused" in driver.find_element(By.ID, "queue-" + queue).text, reload=False)
    open(os.path.join(folder, "paused"), "w").close()
    wait_for(driver, "the test to enqueue", lambda: os.path.exists(os.path.join(folder, "enqueued")), reload=False)
    # Several looks over a few seconds: the jobs stay ready, none starts.
    for _ in range(6):
        driver.refresh()
        row = driver.find_element(By.ID, "queue-" + queue)
        ready = row.find_element(By.CLASS_NAME, "ready").text
        running = row.find_element(By.CLASS_NAME, "running").text
        if ready != "3" or running != "0":
            fail(driver, "a paused queue shows ready %s, running %s; expected 3 and 0" % (ready, running))
        time.sleep(0.5)
    shot(driver, "paused-queue")
    driver.find_element(By.CSS_SELECTOR, "#queue-%s .queue-action" % queue).click()
    wait_for(driver, "the resumed queue to drain",
             lambda: not driver.find_elements(By.ID, "queue-" + queue)
             or driver.find_element(By.ID, "queue-" + queue).find_element(By.CLASS_NAME, "ready").text == "0", seconds=60)
    shot(driver, "resumed-queue")
    driver.find_element(By.ID, "logout").click()

    # A Viewer of the workspace is refused; a user of another workspace does not find it.
    def expect_page(who, url, heading, name):
        sign_in(driver, who)
        driver.get(url)
        if heading not in driver.page_source:
            fail(driver, "%s at %s did not get \"%s\"" % (who, url, heading))
        shot(driver, name)

    expect_page("viewer", workspace, "Not allowed", "viewer-refused")
    driver.get(base + "/dashboard/platform")
    if "Not allowed" not in driver.page_source:
        fail(driver, "a non-operator saw the platform page")
    driver.find_element(By.ID, "logout").click()
    expect_page("stranger", workspace, "Not found", "stranger-refused")
    print("dashboard test passed: %d screenshots in %s" % (step_number[0], folder))
finally:
    driver.quit()
